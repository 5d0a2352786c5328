"""One-shot operations on khabar's topics: ``khabar dlq replay`` and ``khabar replay``.

Both assign partitions directly (no consumer group), so they never move the running
worker's committed offsets.
"""
