namespace Turn.Utils.OAuth;

/// <summary>
/// coturn's own base64 decoder (apputils.c base64_decode), kept for identical results on odd input:
/// null unless the length is a multiple of 4; '=' anywhere and every character outside the alphabet
/// count as 0; one or two trailing '=' shorten the output.
/// </summary>
internal static class CoturnBase64
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    public static byte[]? Decode(string text)
    {
        byte[] data = System.Text.Encoding.UTF8.GetBytes(text);
        if (data.Length % 4 != 0 || data.Length == 0)
        {
            return data.Length == 0 ? [] : null;
        }

        int outputLength = data.Length / 4 * 3;
        if (data[^1] == '=')
        {
            outputLength--;
        }

        if (data[^2] == '=')
        {
            outputLength--;
        }

        byte[] decoded = new byte[outputLength];
        int j = 0;
        for (int i = 0; i < data.Length; i += 4)
        {
            uint triple = (Sextet(data[i]) << 18) | (Sextet(data[i + 1]) << 12) | (Sextet(data[i + 2]) << 6) | Sextet(data[i + 3]);
            for (int shift = 16; shift >= 0 && j < outputLength; shift -= 8)
            {
                decoded[j++] = (byte)(triple >> shift);
            }
        }

        return decoded;
    }

    private static uint Sextet(byte c)
    {
        int at = c == '=' ? -1 : Alphabet.IndexOf((char)c);
        return at < 0 ? 0u : (uint)at;
    }
}
