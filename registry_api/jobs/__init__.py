"""Background work: the outbox dispatcher and periodic jobs, scheduled by APScheduler."""
