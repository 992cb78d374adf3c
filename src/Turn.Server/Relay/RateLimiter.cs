namespace Turn.Server.Relay;

/// <summary>
/// A token bucket in bytes: refills at <c>rate</c> bytes per second up to one second's worth.
/// Owned by one worker; no synchronisation.
/// </summary>
internal struct RateLimiter
{
    private readonly long _bytesPerSecond;
    private long _tokens;
    private long _lastMs;

    public RateLimiter(long bytesPerSecond, long nowMs)
    {
        _bytesPerSecond = bytesPerSecond;
        _tokens = bytesPerSecond;
        _lastMs = nowMs;
    }

    public readonly bool IsUnlimited => _bytesPerSecond <= 0;

    /// <summary>Takes <paramref name="bytes"/> if available; false means "drop this packet".</summary>
    public bool TryConsume(int bytes, long nowMs)
    {
        if (_bytesPerSecond <= 0)
        {
            return true;
        }

        long elapsed = nowMs - _lastMs;
        if (elapsed > 0)
        {
            _tokens = Math.Min(_bytesPerSecond, _tokens + (elapsed * _bytesPerSecond / 1000));
            _lastMs = nowMs;
        }

        if (_tokens < bytes)
        {
            return false;
        }

        _tokens -= bytes;
        return true;
    }
}
