"""dbusmock template: the stock notification_daemon plus its two signals declared in introspection.

desktop-notifier (dbus-fast) subscribes to ActionInvoked/NotificationClosed only when introspection lists
them, and dbusmock's Introspect() lists methods and properties only (research/desktop-testing.md)."""

import dbus
import dbus.service
from dbusmock.templates.notification_daemon import (  # noqa: F401 - re-exported for dbusmock
    BUS_NAME,
    MAIN_IFACE,
    MAIN_OBJ,
    SYSTEM_BUS,
)
from dbusmock.templates.notification_daemon import load as _stock_load


@dbus.service.signal(MAIN_IFACE, signature="us")
def ActionInvoked(self, nid, action_key):  # noqa: N802,ANN001,ANN201 - D-Bus names
    pass


@dbus.service.signal(MAIN_IFACE, signature="uu")
def NotificationClosed(self, nid, reason):  # noqa: N802,ANN001,ANN201
    pass


def load(mock, parameters):  # noqa: ANN001,ANN201
    _stock_load(mock, parameters)
    cls = mock.__class__.__module__ + "." + mock.__class__.__name__
    table = mock._dbus_class_table[cls]
    table.setdefault(MAIN_IFACE, {}).update(ActionInvoked=ActionInvoked, NotificationClosed=NotificationClosed)
