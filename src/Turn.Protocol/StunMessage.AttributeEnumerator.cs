using System.Buffers.Binary;

namespace Turn.Protocol;

public ref partial struct StunMessage
{
    /// <summary>
    /// Walks the attributes of a parsed message in wire order without allocating
    /// (<c>foreach (StunAttribute a in message.GetAttributes())</c>).
    /// </summary>
    public ref struct AttributeEnumerator
    {
        private readonly ReadOnlySpan<byte> _raw;
        private readonly bool _includeIgnored;
        private int _next;
        private int _state; // as in TryParse: 0 ordinary, 1 after MI, 2 after MI-SHA256, 3 after FINGERPRINT
        private StunAttribute _current;

        internal AttributeEnumerator(ReadOnlySpan<byte> raw, bool includeIgnored)
        {
            _raw = raw;
            _includeIgnored = includeIgnored;
            _next = raw.Length >= Stun.HeaderLength ? Stun.HeaderLength : raw.Length;
            _state = 0;
            _current = default;
        }

        /// <summary>The current attribute.</summary>
        public readonly StunAttribute Current => _current;

        /// <summary>Enables <c>foreach</c>.</summary>
        public readonly AttributeEnumerator GetEnumerator() => this;

        /// <summary>Advances to the next attribute that counts.</summary>
        public bool MoveNext()
        {
            while (_next + Stun.AttributeHeaderLength <= _raw.Length)
            {
                int offset = _next;
                ushort type = BinaryPrimitives.ReadUInt16BigEndian(_raw.Slice(offset, 2));
                int length = BinaryPrimitives.ReadUInt16BigEndian(_raw.Slice(offset + 2, 2));
                int start = offset + Stun.AttributeHeaderLength;
                if (start + length > _raw.Length)
                {
                    _next = _raw.Length;
                    return false;
                }

                _next = Math.Min(start + Stun.Pad4(length), _raw.Length);

                bool counts;
                switch (type)
                {
                    case (ushort)StunAttributeType.MessageIntegrity:
                        counts = _state == 0;
                        if (counts)
                        {
                            _state = 1;
                        }

                        break;
                    case (ushort)StunAttributeType.MessageIntegritySha256:
                        counts = _state <= 1;
                        if (counts)
                        {
                            _state = 2;
                        }

                        break;
                    case (ushort)StunAttributeType.Fingerprint:
                        counts = _state <= 2;
                        _state = 3;
                        break;
                    default:
                        counts = _state == 0;
                        break;
                }

                if (counts || _includeIgnored)
                {
                    _current = new StunAttribute(type, _raw.Slice(start, length), offset, !counts);
                    return true;
                }
            }

            return false;
        }
    }
}
