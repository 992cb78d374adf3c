namespace Turn.Server.Dtls;

/// <summary>
/// RFC 6347 §4.1.2.6 anti-replay: a 64-record sliding window over the sequence numbers of one
/// epoch. A record is checked before decryption and marked only once it authenticated, so a
/// forged record cannot move the window.
/// </summary>
public struct DtlsReplayWindow
{
    private const int Size = 64;
    private ulong _highest;
    private ulong _seen; // bit i: _highest - i was received
    private bool _any;

    /// <summary>False when <paramref name="sequence"/> was seen already or is too old to tell.</summary>
    public readonly bool MayAccept(ulong sequence)
    {
        if (!_any || sequence > _highest)
        {
            return true;
        }

        ulong age = _highest - sequence;
        return age < Size && (_seen & (1UL << (int)age)) == 0;
    }

    public void Mark(ulong sequence)
    {
        if (!_any)
        {
            _any = true;
            _highest = sequence;
            _seen = 1;
        }
        else if (sequence > _highest)
        {
            ulong shift = sequence - _highest;
            _seen = shift >= Size ? 1 : (_seen << (int)shift) | 1;
            _highest = sequence;
        }
        else
        {
            ulong age = _highest - sequence;
            if (age < Size)
            {
                _seen |= 1UL << (int)age;
            }
        }
    }
}
