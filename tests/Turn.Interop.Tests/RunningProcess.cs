using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Turn.Interop.Tests;

/// <summary>
/// A child process whose output lines are collected as they arrive, so a test can wait for a
/// line (a signal) instead of sleeping. Disposing stops it (SIGTERM, then kill).
/// </summary>
internal sealed class RunningProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly SemaphoreSlim _lineArrived = new(0);
    private readonly TaskCompletionSource _stdoutClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stderrClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private RunningProcess(Process process) => _process = process;

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public string Output => string.Join('\n', _lines);

    public static RunningProcess Start(string fileName, IEnumerable<string> args, string? workingDirectory = null)
    {
        var psi = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
        };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        var running = new RunningProcess(process);
        process.OutputDataReceived += (_, e) => running.OnLine(e.Data, running._stdoutClosed);
        process.ErrorDataReceived += (_, e) => running.OnLine(e.Data, running._stderrClosed);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return running;
    }

    /// <summary>Runs to completion (bounded) and returns exit code and all output.</summary>
    public static (int ExitCode, string Output) Run(string fileName, IEnumerable<string> args, TimeSpan timeout, string? workingDirectory = null)
    {
        using RunningProcess p = Start(fileName, args, workingDirectory);
        int code = p.WaitForExit(timeout);
        return (code, p.Output);
    }

    /// <summary>Waits until an output line matches; throws with the output so far on timeout or exit.</summary>
    public Match WaitForLine(string pattern, TimeSpan timeout)
    {
        var regex = new Regex(pattern);
        var deadline = Stopwatch.StartNew();
        int seen = 0;
        while (true)
        {
            string[] snapshot = _lines.ToArray();
            for (; seen < snapshot.Length; seen++)
            {
                Match m = regex.Match(snapshot[seen]);
                if (m.Success)
                {
                    return m;
                }
            }

            if (_stdoutClosed.Task.IsCompleted && _stderrClosed.Task.IsCompleted && _lines.Count == snapshot.Length)
            {
                throw new InvalidOperationException($"process exited before printing /{pattern}/; output:\n{Output}");
            }

            TimeSpan left = timeout - deadline.Elapsed;
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException($"no line matching /{pattern}/ within {timeout}; output:\n{Output}");
            }

            _lineArrived.Wait(left < TimeSpan.FromMilliseconds(200) ? left : TimeSpan.FromMilliseconds(200));
        }
    }

    public int WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            Kill();
            throw new TimeoutException($"{_process.StartInfo.FileName} did not exit within {timeout}; output:\n{Output}");
        }

        _process.WaitForExit(); // drains the asynchronous output readers
        return _process.ExitCode;
    }

    public void Signal(int signal) => _ = NativeSignals.kill(_process.Id, signal);

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            Signal(NativeSignals.SIGTERM);
            if (!_process.WaitForExit(5000))
            {
                Kill();
            }
        }

        _process.Dispose();
    }

    private void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
    }

    private void OnLine(string? line, TaskCompletionSource closed)
    {
        if (line is null)
        {
            closed.TrySetResult();
        }
        else
        {
            _lines.Enqueue(line);
        }

        _lineArrived.Release();
    }
}

internal static partial class NativeSignals
{
    public const int SIGHUP = 1;
    public const int SIGINT = 2;
    public const int SIGTERM = 15;

    [System.Runtime.InteropServices.LibraryImport("libc", SetLastError = true)]
    internal static partial int kill(int pid, int sig);
}
