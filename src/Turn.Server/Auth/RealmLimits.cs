namespace Turn.Server.Auth;

/// <summary>
/// What one realm allows (coturn's <c>turn_realm_option</c> rows over the configured max-bps / user-quota /
/// total-quota): per-session bytes/s, allocations per user in the realm, allocations in the realm; 0 = unlimited.
/// </summary>
/// <param name="MaxBps">Bytes per second per session, each direction.</param>
/// <param name="UserQuota">Concurrent allocations of one user in the realm.</param>
/// <param name="TotalQuota">Concurrent allocations in the realm.</param>
public sealed record RealmLimits(long MaxBps, int UserQuota, int TotalQuota);
