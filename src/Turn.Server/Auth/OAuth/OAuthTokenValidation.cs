namespace Turn.Server.Auth.OAuth;

/// <summary>Where a token's lifetime stands at a given time.</summary>
public enum OAuthTokenStatus
{
    /// <summary>Usable now.</summary>
    Valid,

    /// <summary>timestamp + lifetime (+ skew) has passed.</summary>
    Expired,

    /// <summary>Issued further in the future than the clock skew allows.</summary>
    NotYetValid,
}

/// <summary>Time checks of a decrypted token (coturn's userdb.c rules, plus a not-before check).</summary>
public static class OAuthTokenValidation
{
    /// <summary>coturn's OAUTH_TIME_DELTA: seconds of grace after expiry (and, here, before the timestamp).</summary>
    public const int DefaultClockSkewSeconds = 5;

    /// <summary>
    /// Checks <paramref name="content"/> at <paramref name="unixNow"/>. As in coturn, a token expires at
    /// timestamp-seconds + lifetime + skew and a lifetime of 0 never expires. Unlike coturn, a token whose
    /// timestamp lies more than the skew in the future is <see cref="OAuthTokenStatus.NotYetValid"/>
    /// (it would otherwise stretch its own lifetime).
    /// </summary>
    public static OAuthTokenStatus Check(OAuthTokenContent content, long unixNow, int clockSkewSeconds = DefaultClockSkewSeconds)
    {
        ArgumentNullException.ThrowIfNull(content);
        long skew = Math.Max(0, clockSkewSeconds);
        long issued = content.TimestampSeconds; // < 2^48: no overflow below
        if (issued - skew > unixNow)
        {
            return OAuthTokenStatus.NotYetValid;
        }

        if (content.Lifetime != 0 && unixNow >= issued + content.Lifetime + skew)
        {
            return OAuthTokenStatus.Expired;
        }

        return OAuthTokenStatus.Valid;
    }

    /// <summary>
    /// Seconds the session may still last (coturn's max_session_time: timestamp + lifetime + skew − now),
    /// 0 when the token has no lifetime (unlimited) — call only for a <see cref="OAuthTokenStatus.Valid"/> token.
    /// </summary>
    public static uint RemainingSeconds(OAuthTokenContent content, long unixNow, int clockSkewSeconds = DefaultClockSkewSeconds)
    {
        ArgumentNullException.ThrowIfNull(content);
        if (content.Lifetime == 0)
        {
            return 0;
        }

        long left = content.TimestampSeconds + content.Lifetime + Math.Max(0, clockSkewSeconds) - unixNow;
        return (uint)Math.Clamp(left, 1, uint.MaxValue);
    }
}
