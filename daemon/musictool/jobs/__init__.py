"""The persistent job queue: every slow or external piece of work runs as a job."""

from musictool.jobs.queue import JobCancelled, JobContext, JobQueue, PermanentError, RetryableError

__all__ = ["JobCancelled", "JobContext", "JobQueue", "PermanentError", "RetryableError"]
