"""What must survive a crash: the checkpoint, the journal, the attempt logs and the lock."""
