using HwEmu.Cli;
using HwEmu.Traces;
using NUnit.Framework;
using static HwEmu.Tests.Cli.HwemuRunner;

namespace HwEmu.Tests.Cli;

public class HostAndTraceCommandTests
{
    [Test]
    public void HostGroupsMatchWhatLinuxPrintedInTheCapture()
    {
        var (code, output, _) = Hwemu("host", "groups");
        Assert.That(code, Is.EqualTo(0));
        var serial = File.ReadAllLines(Path.Combine(TestContext.CurrentContext.TestDirectory, "Data", "qemu-virt-its-nvme", "serial.log"));
        Assert.That(output.TrimEnd('\n').Split('\n'), Is.EqualTo(serial.Take(6).ToArray()));
    }

    [Test]
    public void VfioRangesExcludeTheSoftwareMsiWindow()
    {
        var (code, output, _) = Hwemu("host", "iova-ranges", "--device", "00:01.0");
        Assert.That(code, Is.EqualTo(0));
        Assert.That(output, Is.EqualTo("0x0-0x7ffffff\n0x8100000-0xffffffffffff\n"));
    }

    [Test]
    public void Gicv2mRefusesTheAttachUnlessUnsafeInterruptsAreAllowed()
    {
        var refused = Hwemu("host", "iova-ranges", "qemu-virt-gicv2m-nvme", "--device", "00:01.0");
        Assert.That(refused.Code, Is.EqualTo(1));
        Assert.That(refused.Out, Does.Contain("No interrupt remapping support.  Use the module param \"allow_unsafe_interrupts\"").And.Contain("EPERM (-1)"));
        var allowed = Hwemu("host", "iova-ranges", "qemu-virt-gicv2m-nvme", "--device", "00:01.0", "--allow-unsafe-interrupts");
        Assert.That(allowed.Code, Is.EqualTo(0));
    }

    [Test]
    public void VfioInfoOnLinux61IsPackedTo116Bytes()
    {
        var (code, output, _) = Hwemu("host", "vfio-info", "--device", "00:01.0");
        Assert.That(code, Is.EqualTo(0));
        Assert.That(output, Does.Contain("argsz -> 116"));
        Assert.That(Hwemu("host", "vfio-info", "--device", "00:01.0", "--kernel", "6.6").Out, Does.Contain("argsz -> 120"));
    }

    [TestCase("SCENARIO: 'nope'", "host", "groups", "nope")]
    [TestCase("--device", "host", "vfio-info")]
    [TestCase("--device: 'zz:zz'", "host", "iova-ranges", "--device", "zz:zz")]
    [TestCase("--kernel: 'six'", "host", "groups", "--kernel", "six")]
    public void BadHostArgumentsAreBadInput(string expected, params string[] args)
    {
        var (code, _, err) = Hwemu(args);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err, Does.Contain(expected));
    }

    [Test]
    public void TraceInfoAndDumpReadARecordedFile()
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(path, TraceQuickBenchmarks.BuildTranslationFile(100));
            var info = Hwemu("trace", "info", path);
            Assert.That(info.Code, Is.EqualTo(0), info.Err);
            Assert.That(info.Out, Does.Contain("100"));
            var dump = Hwemu("trace", "dump", path, "--from", "10", "--count", "3", "--jsonl");
            Assert.That(dump.Code, Is.EqualTo(0), dump.Err);
            Assert.That(dump.Out.TrimEnd('\n').Split('\n'), Has.Length.EqualTo(3));
        }
        finally { File.Delete(path); }
    }

    [Test]
    public void ACorruptTraceIsBadInputNamingTheFile()
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(path, "not a trace at all"u8.ToArray());
            var (code, _, err) = Hwemu("trace", "info", path);
            Assert.That(code, Is.EqualTo(2));
            Assert.That(err, Does.Contain(path));
            Assert.That(Hwemu("trace", "dump", path + ".missing").Code, Is.EqualTo(2));
        }
        finally { File.Delete(path); }
    }
}
