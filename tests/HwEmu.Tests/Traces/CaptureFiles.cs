using System.IO.Compression;
using HwEmu.Traces.Qemu;
using NUnit.Framework;

namespace HwEmu.Tests.Traces;

/// <summary>The qemu-virt-its-nvme capture (Linux 6.1 on QEMU 7.2) and its import, made once per test run.</summary>
internal static class CaptureFiles
{
    private static byte[]? s_trace;
    private static readonly object Gate = new();

    public static string Directory => Path.Combine(TestContext.CurrentContext.TestDirectory, "Data", "qemu-virt-its-nvme");
    public static string Log => Path.Combine(Directory, "trace.log.gz");
    public static string Ram => Path.Combine(Directory, "ram.bin.gz");

    public static string[] LogLines()
    {
        using var gz = new GZipStream(File.OpenRead(Log), CompressionMode.Decompress);
        using var r = new StreamReader(gz);
        return r.ReadToEnd().Split('\n');
    }

    /// <summary>The imported trace's bytes (import of trace.log.gz + ram.bin.gz).</summary>
    public static byte[] Trace()
    {
        lock (Gate)
        {
            if (s_trace is null)
            {
                string path = Path.Combine(Path.GetTempPath(), $"hwemu-capture-{Environment.ProcessId}.hwtrace");
                try
                {
                    QemuLogImporter.Import(Log, Ram, 0x4000_0000, path);
                    s_trace = File.ReadAllBytes(path);
                }
                finally
                {
                    File.Delete(path);
                }
            }
            return s_trace;
        }
    }
}
