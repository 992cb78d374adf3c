using System.Text;
using System.Text.RegularExpressions;

namespace Turn.Configuration;

/// <summary>Writes the turnserver(1) man page (troff, man macros) from <see cref="OptionTable"/>.</summary>
public static partial class ManPageWriter
{
    /// <summary>The complete man page.</summary>
    public static string Render()
    {
        using var writer = new StringWriter { NewLine = "\n" };
        Write(writer);
        return writer.ToString();
    }

    /// <summary>Writes the complete man page to <paramref name="w"/>.</summary>
    public static void Write(TextWriter w)
    {
        ArgumentNullException.ThrowIfNull(w);
        var o = new Out(w);
        o.Raw(".\\\" Generated from the option table of Turn.Configuration by scripts/gen-man. Do not edit.");
        o.Raw($".TH TURNSERVER 1 \"\" \"{ProductInfo.ProductName} {ProductInfo.Version}\" \"User Commands\"");

        o.Raw(".nh");
        o.Raw(".ad l");
        o.Raw(".SH NAME");
        o.Raw($"turnserver \\- TURN and STUN server, compatible with coturn {ProductInfo.CoturnCompatibleVersion}");

        o.Raw(".SH SYNOPSIS");
        o.Raw(".B turnserver");
        o.Raw("[\\fB\\-c\\fR \\fIfile\\fR | \\fB\\-n\\fR] [\\fIoptions\\fR]");
        o.Raw(".br");
        o.Raw(".B turnserver \\-h");
        o.Raw(".br");
        o.Raw(".B turnserver \\-\\-version");

        o.Raw(".SH DESCRIPTION");
        o.Text("turnserver is a TURN relay (RFC 8656, RFC 5766, RFC 6062, RFC 6156) and STUN server (RFC 8489, "
               + "RFC 5389, RFC 5780, RFC 3489) written in C#. It is a drop-in replacement for the coturn turnserver: it "
               + $"accepts the command line and the configuration file of coturn {ProductInfo.CoturnCompatibleVersion}, "
               + "including options added by later coturn releases and options that coturn has removed.");
        o.Raw(".PP");
        o.Text("Options are read from the configuration file first and then from the command line, which overrides "
               + "single-valued options and adds to repeatable ones. Long options are written --name=value or "
               + "--name value; short options -x value or -xvalue. Switches (options without a required value) "
               + "take an optional boolean, written only as --name=value: on, yes, true, 1 (or any value starting with "
               + "y, t or a digit 1-9) turn them on; off, no, false, 0 (or any value starting with n or f) turn them off. "
               + "Integer options such as --stale-nonce take their optional value the same way. Other values are an error.");
        o.Raw(".PP");
        o.Text("An unknown option on the command line is fatal. An invalid value, anywhere, is fatal and the message "
               + "names the option, the value and, for the configuration file, the file and line.");
        o.Raw(".PP");
        o.Text("Options marked \"Not implemented yet in this build\" are accepted and reported once as a warning; "
               + "they have no effect.");

        o.Raw(".SH OPTIONS");
        foreach (var group in OptionTable.All.GroupBy(x => x.Section))
        {
            o.Raw($".SS \"{OptionTable.SectionTitle(group.Key)}\"");
            foreach (var option in group)
            {
                o.Raw(".TP");
                o.Raw(SignatureTroff(option));
                o.Text(HelpWriter.Describe(option, forMan: true));
            }
        }

        o.Raw(".SH CONFIGURATION FILE");
        o.Text("Without -n, turnserver reads one configuration file: the one named by -c, or turnserver.conf. An "
               + "absolute name is used as is. A relative name is looked up, in this order, in ./, ./etc/, ../etc/, "
               + "/etc/, /usr/local/etc/ and <prefix>/etc/ (prefix: the parent of the installation directory). If no "
               + "file is found, a warning is logged and the defaults and the command line are used. The files named "
               + "by cert, pkey, CA-file and dh-file are looked up the same way.");
        o.Raw(".PP");
        o.Text("Syntax, one option per line:");
        o.Raw(".IP \\(bu 2");
        o.Text("the long option name without the leading --, then the value; name and value are separated by any run of "
               + "spaces, tabs or = signs (name=value, name value, name = value);");
        o.Raw(".IP \\(bu 2");
        o.Text("a switch may stand alone (no-udp) or carry a boolean (no-udp=false);");
        o.Raw(".IP \\(bu 2");
        o.Text("leading and trailing blanks are ignored; empty lines and lines starting with # are ignored (a # later "
               + "in the line is part of the value);");
        o.Raw(".IP \\(bu 2");
        o.Text("one pair of double quotes around the value is removed: realm=\"example.org\";");
        o.Raw(".IP \\(bu 2");
        o.Text("a line ending in ; draws a warning; for numeric, address and boolean values the ; is ignored;");
        o.Raw(".IP \\(bu 2");
        o.Text("an unknown name draws a warning naming the file and line, and the line is ignored;");
        o.Raw(".IP \\(bu 2");
        o.Text("repeatable options (listening-ip, relay-ip, external-ip, aux-server, alternate-server, "
               + "tls-alternate-server, udp-alternate-server, tcp-alternate-server, allowed-peer-ip, denied-peer-ip, "
               + "user, static-auth-secret) accumulate, first from the file, then from the command line; for the "
               + "others the last value wins.");
        o.Raw(".PP");
        o.Text("Order of evaluation, as in coturn: the logging options of the file (log-file, no-stdout-log, syslog, "
               + "syslog-facility, simple-log, new-log-timestamp, new-log-timestamp-format), then the other options of "
               + "the file except user, then the command line, then the user entries of the file and of the command "
               + "line, once the realm is known.");

        o.Raw(".SH SIGNALS");
        o.Raw(".TP");
        o.Raw("\\fBSIGHUP\\fR");
        o.Text("Close and reopen the log file (for log rotation), and reload the TLS certificate and private key as "
               + "SIGUSR2 does. The configuration is not reloaded.");
        o.Raw(".TP");
        o.Raw("\\fBSIGUSR2\\fR");
        o.Text("Reload the TLS certificate, private key and CA file: new connections use them, established sessions "
               + "are kept. If a file cannot be used, the error names it and the previous certificate stays in use.");
        o.Raw(".TP");
        o.Raw("\\fBSIGTERM\\fR, \\fBSIGINT\\fR");
        o.Text("Close all sessions and exit cleanly.");

        o.Raw(".SH EXIT STATUS");
        o.Text("0 after a clean shutdown, -h or --version; non-zero when the configuration is invalid or the server "
               + "cannot start.");

        o.Raw(".SH FILES");
        o.Raw(".TP");
        o.Raw("\\fI/etc/turnserver.conf\\fR");
        o.Text("Configuration file (found through the search path as turnserver.conf).");
        o.Raw(".TP");
        o.Raw("\\fI/var/run/turnserver.pid\\fR, \\fI/var/tmp/turnserver.pid\\fR");
        o.Text("Default pid file, as root and otherwise.");
        o.Raw(".TP");
        o.Raw("\\fI/var/log/turnserver/\\fR");
        o.Text("First directory tried for the default log file turn_<pid>_<date>.log.");
        o.Raw(".TP");
        o.Raw("\\fIturn_server_cert.pem\\fR, \\fIturn_server_pkey.pem\\fR");
        o.Text("Default certificate and private key names, looked up through the search path.");
        o.Raw(".TP");
        o.Raw("\\fI/var/lib/turn/turndb\\fR");
        o.Text("Default SQLite user database.");

        o.Raw(".SH SEE ALSO");
        o.Raw(".BR turnadmin (1),");
        o.Raw(".BR turnutils_uclient (1),");
        o.Raw(".BR turnutils_stunclient (1),");
        o.Raw(".BR turnutils_peer (1)");
    }

    private static string SignatureTroff(OptionDefinition option)
    {
        var parts = new List<string>();
        if (option.ShortName is { } letter)
        {
            parts.Add($"\\fB\\-{letter}\\fR");
        }

        parts.AddRange(option.LongNames.Select(n => "\\fB\\-\\-" + EscapeName(n) + "\\fR"));
        var sb = new StringBuilder(string.Join(", ", parts));
        switch (option.Argument)
        {
            case ArgumentKind.Required when option.ArgumentName is not null:
                sb.Append(" \\fI").Append(Escape(option.ArgumentName)).Append("\\fR");
                break;
            case ArgumentKind.OptionalInteger:
                sb.Append("[=\\fI").Append(Escape(option.ArgumentName ?? "<number>")).Append("\\fR]");
                break;
            case ArgumentKind.OptionalBoolean when option.Apply is not null:
                sb.Append("[=\\fIbool\\fR]");
                break;
        }

        return sb.ToString();
    }

    private static string EscapeName(string name) => name.Replace("\\", "\\e", StringComparison.Ordinal).Replace("-", "\\-", StringComparison.Ordinal);

    private static string Escape(string text)
    {
        text = text.Replace("\\", "\\e", StringComparison.Ordinal);
        return OptionToken().Replace(text, m => m.Value.Replace("-", "\\-", StringComparison.Ordinal));
    }

    /// <summary>Tokens that are options (-x, --name...): every hyphen in them is a real minus.</summary>
    [GeneratedRegex(@"(?<![\w\-])--?[A-Za-z][\w\-]*")]
    private static partial Regex OptionToken();

    private sealed class Out(TextWriter w)
    {
        public void Raw(string line) => w.Write(line + "\n");

        public void Text(string text)
        {
            foreach (var line in HelpWriter.Wrap(Escape(text), 90))
            {
                w.Write((line.StartsWith('.') || line.StartsWith('\'') ? "\\&" + line : line) + "\n");
            }
        }
    }
}
