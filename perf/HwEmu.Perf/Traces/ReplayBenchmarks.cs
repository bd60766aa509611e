using System.IO.Compression;
using BenchmarkDotNet.Attributes;
using HwEmu.Traces.Format;
using HwEmu.Traces.Qemu;
using HwEmu.Traces.Recording;
using HwEmu.Traces.Replay;

namespace HwEmu.Perf.Traces;

/// <summary>
/// QEMU import and replay of the qemu-virt-its-nvme capture (17 799 log lines, 256 MiB RAM image, 1849
/// translations, 92 MSIs; read from tests/HwEmu.Tests/Data). Replay = load the script + build the machine + re-execute
/// and verify every record.
/// Run: <c>dotnet run -c Release --project perf/HwEmu.Perf -- --filter '*ReplayBenchmarks*' --job short</c>.
/// </summary>
[MemoryDiagnoser]
public class ReplayBenchmarks
{
    private string _log = "";
    private byte[] _ram = [];
    private byte[] _trace = [];
    private ReplayScript? _script;

    /// <summary>Decompresses the capture once and imports it.</summary>
    [GlobalSetup]
    public void Setup()
    {
        string dir = Path.Combine(RepositoryRoot(), "tests", "HwEmu.Tests", "Data", "qemu-virt-its-nvme");
        _log = Gunzip(Path.Combine(dir, "trace.log.gz")) is var l ? System.Text.Encoding.UTF8.GetString(l) : "";
        _ram = Gunzip(Path.Combine(dir, "ram.bin.gz"));
        _trace = Import();
        using var reader = new TraceReader(new MemoryStream(_trace));
        _script = ReplayScript.Load(reader);
    }

    /// <summary>Log text + RAM image (in memory) → trace (in memory).</summary>
    [Benchmark]
    public byte[] ImportCapture() => Import();

    /// <summary>Load the imported trace, build the QEMU virt machine, replay and verify everything.</summary>
    [Benchmark]
    public long ReplayCaptureWithLoad()
    {
        using var reader = new TraceReader(new MemoryStream(_trace));
        var script = ReplayScript.Load(reader);
        var result = ReplayEngine.Run(script, ReplayMachine.Build(script.Header));
        return result.Translations.Matched + result.Msis.Matched;
    }

    /// <summary>Replay only (the script loaded once, a fresh machine per run).</summary>
    [Benchmark]
    public long ReplayCapture()
    {
        var result = ReplayEngine.Run(_script!, ReplayMachine.Build(_script!.Header));
        return result.Translations.Matched + result.Msis.Matched;
    }

    private byte[] Import()
    {
        var ms = new MemoryStream();
        var platform = new QemuVirtPlatform();
        using (var w = new TraceWriter(ms, new TraceHeader { Platform = platform.Describe() }, leaveOpen: true))
        {
            QemuLogImporter.Import(new StringReader(_log), new MemoryStream(_ram), platform, w);
        }
        return ms.ToArray();
    }

    private static byte[] Gunzip(string path)
    {
        using var gz = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        var ms = new MemoryStream();
        gz.CopyTo(ms);
        return ms.ToArray();
    }

    private static string RepositoryRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "HwEmu.sln"))) return d.FullName;
        }
        throw new DirectoryNotFoundException("HwEmu.sln not found above " + AppContext.BaseDirectory);
    }
}
