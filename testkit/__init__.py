"""Equipment shared by tests/ and bench/: generators (synthetic audio, NML files), a real-daemon runner,
fakes of external services and where the shared fixtures live.

One home so that tests never import bench/ and bench/ never imports tests/ (tests/test_layers.py checks it).
Never imported by the product (daemon/, tray/).
"""
