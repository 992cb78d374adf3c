namespace Turn.Configuration;

/// <summary>One option line of a configuration file.</summary>
internal sealed record FileItem(OptionDefinition Option, string Value, string File, int Line, bool EndsWithSemicolon)
{
    public string Location => $"{File}:{Line}";
}

/// <summary>coturn configuration file syntax (read_config_file / parse_arg_string in mainrelay.c).</summary>
internal static class ConfigFileParser
{
    public static List<FileItem> Parse(string file, IReadOnlyList<string> lines, List<string> warnings)
    {
        var items = new List<FileItem>();
        for (var index = 0; index < lines.Count; index++)
        {
            var lineNumber = index + 1;
            var s = lines[index];
            if (index == 0 && s.Length > 0 && s[0] == '\uFEFF')
            {
                s = s[1..];
            }

            s = s.Trim();
            if (s.Length == 0 || s[0] == '#')
            {
                continue;
            }

            var where = $"{file}:{lineNumber}";
            var endsWithSemicolon = s[^1] == ';';

            var end = 0;
            while (end < s.Length && s[end] is not (' ' or '\t' or '='))
            {
                end++;
            }

            var name = s[..end];
            var start = end;
            while (start < s.Length && s[start] is ' ' or '\t' or '=')
            {
                start++;
            }

            var value = StripQuotes(s[start..]);

            var option = OptionTable.FindLong(name);
            if (option is null && name.EndsWith(';') && value.Length == 0)
            {
                option = OptionTable.FindLong(name.TrimEnd(';'));
            }

            if (option is null)
            {
                var hint = name.StartsWith("--", StringComparison.Ordinal) && OptionTable.FindLong(name[2..]) is not null
                    ? $" (write '{name[2..]}' without the leading '--')"
                    : string.Empty;
                warnings.Add($"{where}: unknown option '{name}'{hint}; line ignored");
                if (endsWithSemicolon)
                {
                    warnings.Add($"{where}: line ends with ';' (configuration lines need no terminator)");
                }

                continue;
            }

            items.Add(new FileItem(option, value, file, lineNumber, endsWithSemicolon));
        }

        return items;
    }

    /// <summary>coturn strips one leading double quote, trailing blanks, then one trailing double quote.</summary>
    internal static string StripQuotes(string value)
    {
        if (value.Length == 0 || value[0] != '"')
        {
            return value;
        }

        value = value[1..].TrimEnd(' ', '\t', '\r', '\n');
        return value.EndsWith('"') ? value[..^1] : value;
    }
}
