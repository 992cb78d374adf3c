namespace Turn.AdminTool;

/// <summary>Whether a long option takes a value (getopt_long's has_arg).</summary>
internal enum ArgKind
{
    None,
    Required,

    /// <summary>Our extension for <c>--list-origins</c>: an <c>=value</c>, or a next argument not starting with '-', is accepted and ignored.</summary>
    OptionalIgnored,
}

/// <summary>One long option: name, argument kind and the code it reports (a short letter or a private code).</summary>
internal sealed record LongOption(string Name, ArgKind Arg, int Code);

/// <summary>One getopt result: an option code with its value, or an error message (getopt returned '?').</summary>
internal readonly record struct OptionEvent(int Code, string? Value, string? Error);

/// <summary>
/// GNU getopt_long as coturn's turnadmin uses it: argument permutation (options and non-options may mix; the
/// non-options are collected), clustered short options (<c>-lb file</c>), attached values (<c>-bfile</c>),
/// <c>--name=value</c> and <c>--name value</c>, unambiguous abbreviations of long names, <c>--</c> ending the options,
/// and glibc's error texts.
/// </summary>
internal sealed class Getopt
{
    private readonly string _program;
    private readonly IReadOnlyList<string> _args;
    private readonly Dictionary<char, bool> _shorts = [];
    private readonly IReadOnlyList<LongOption> _longs;
    private int _index;
    private int _clusterPos; // position inside a short-option cluster, 0 = not in one

    public Getopt(string program, IReadOnlyList<string> args, string shortSpec, IReadOnlyList<LongOption> longs)
    {
        _program = program;
        _args = args;
        _longs = longs;
        for (int i = 0; i < shortSpec.Length; i++)
        {
            bool takesArg = i + 1 < shortSpec.Length && shortSpec[i + 1] == ':';
            _shorts[shortSpec[i]] = takesArg;
            if (takesArg)
            {
                i++;
            }
        }
    }

    /// <summary>Arguments that are not options, in order.</summary>
    public List<string> NonOptions { get; } = [];

    /// <summary>The next option, or null at the end.</summary>
    public OptionEvent? Next()
    {
        if (_clusterPos > 0)
        {
            return ShortAt(_args[_index]);
        }

        while (_index < _args.Count)
        {
            string arg = _args[_index];
            if (arg == "--")
            {
                for (int j = _index + 1; j < _args.Count; j++)
                {
                    NonOptions.Add(_args[j]);
                }

                _index = _args.Count;
                return null;
            }

            if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                _index++;
                return Long(arg);
            }

            if (arg.Length > 1 && arg[0] == '-')
            {
                _clusterPos = 1;
                return ShortAt(arg);
            }

            NonOptions.Add(arg);
            _index++;
        }

        return null;
    }

    private OptionEvent ShortAt(string arg)
    {
        char c = arg[_clusterPos];
        _clusterPos++;
        bool atEnd = _clusterPos >= arg.Length;
        if (!_shorts.TryGetValue(c, out bool takesArg) || c == ':')
        {
            Advance(atEnd);
            return new OptionEvent('?', null, $"{_program}: invalid option -- '{c}'");
        }

        if (!takesArg)
        {
            Advance(atEnd);
            return new OptionEvent(c, null, null);
        }

        if (!atEnd)
        {
            string attached = arg[_clusterPos..];
            Advance(true);
            return new OptionEvent(c, attached, null);
        }

        Advance(true);
        if (_index < _args.Count)
        {
            return new OptionEvent(c, _args[_index++], null);
        }

        return new OptionEvent('?', null, $"{_program}: option requires an argument -- '{c}'");
    }

    private void Advance(bool clusterDone)
    {
        if (clusterDone)
        {
            _clusterPos = 0;
            _index++;
        }
    }

    private OptionEvent Long(string arg)
    {
        int eq = arg.IndexOf('=', StringComparison.Ordinal);
        string name = eq < 0 ? arg[2..] : arg[2..eq];
        string? inline = eq < 0 ? null : arg[(eq + 1)..];

        LongOption? match = _longs.FirstOrDefault(o => o.Name == name);
        if (match is null)
        {
            var candidates = _longs.Where(o => o.Name.StartsWith(name, StringComparison.Ordinal)).ToList();
            if (candidates.Count == 0 || name.Length == 0)
            {
                return new OptionEvent('?', null, $"{_program}: unrecognized option '{arg}'");
            }

            bool allSame = candidates.All(o => o.Arg == candidates[0].Arg && o.Code == candidates[0].Code);
            if (!allSame)
            {
                // glibc lists the first candidate and every later one that differs from it.
                LongOption first = candidates[0];
                var listed = candidates.Where(o => ReferenceEquals(o, first) || o.Arg != first.Arg || o.Code != first.Code);
                string list = string.Join(' ', listed.Select(o => $"'--{o.Name}'"));
                return new OptionEvent('?', null, $"{_program}: option '{arg}' is ambiguous; possibilities: {list}");
            }

            match = candidates[0];
        }

        switch (match.Arg)
        {
            case ArgKind.None:
                return inline is not null
                    ? new OptionEvent('?', null, $"{_program}: option '--{match.Name}' doesn't allow an argument")
                    : new OptionEvent(match.Code, null, null);
            case ArgKind.Required:
                if (inline is not null)
                {
                    return new OptionEvent(match.Code, inline, null);
                }

                if (_index < _args.Count)
                {
                    return new OptionEvent(match.Code, _args[_index++], null);
                }

                return new OptionEvent('?', null, $"{_program}: option '--{match.Name}' requires an argument");
            default:
                if (inline is null && _index < _args.Count && !_args[_index].StartsWith('-'))
                {
                    return new OptionEvent(match.Code, _args[_index++], null);
                }

                return new OptionEvent(match.Code, inline, null);
        }
    }
}
