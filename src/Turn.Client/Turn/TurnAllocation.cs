using System.Net.Sockets;
using Turn.Protocol;

namespace Turn.Client.Turn;

/// <summary>A successful Allocate response (RFC 8656 §7.3).</summary>
public sealed class TurnAllocation
{
    /// <summary>Creates the result.</summary>
    public TurnAllocation(IReadOnlyList<StunAddress> relayed, StunAddress? mapped, uint lifetime, ulong? reservationToken, int? additionalFamilyError)
    {
        ArgumentNullException.ThrowIfNull(relayed);
        Relayed = relayed;
        Mapped = mapped;
        Lifetime = lifetime;
        ReservationToken = reservationToken;
        AdditionalFamilyError = additionalFamilyError;
    }

    /// <summary>The XOR-RELAYED-ADDRESS values: one, or two for a dual allocation (IPv4 first as servers send them).</summary>
    public IReadOnlyList<StunAddress> Relayed { get; }

    /// <summary>XOR-MAPPED-ADDRESS: our address as the server saw it, if sent.</summary>
    public StunAddress? Mapped { get; }

    /// <summary>The granted LIFETIME in seconds.</summary>
    public uint Lifetime { get; }

    /// <summary>RESERVATION-TOKEN (answer to EVEN-PORT with the R bit), if any.</summary>
    public ulong? ReservationToken { get; }

    /// <summary>ADDRESS-ERROR-CODE of the second family of a dual allocation (e.g. 440), if the server reported one.</summary>
    public int? AdditionalFamilyError { get; }

    /// <summary>The relayed address of <paramref name="family"/>, if the allocation has one.</summary>
    public StunAddress? GetRelayed(AddressFamily family)
    {
        foreach (StunAddress a in Relayed)
        {
            if (a.Family == family)
            {
                return a;
            }
        }

        return null;
    }
}
