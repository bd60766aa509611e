using NUnit.Framework;
using HwEmu.Devices.Gic;

namespace HwEmu.Tests.Gic;

public class GicQuickBenchmarkTests
{
    [Test]
    public void QuickBenchmarks_RunAndReport()
    {
        foreach (var (name, ops, seconds) in new[] { GicQuickBenchmarks.ItsTranslateWarm(0.05), GicQuickBenchmarks.ItsTranslateCold(0.05), GicQuickBenchmarks.GicV2mSetSpi(0.05) })
        {
            Assert.That(ops, Is.GreaterThan(0));
            Assert.That(seconds, Is.GreaterThan(0));
            TestContext.Out.WriteLine($"{name}: {ops / seconds / 1e6:F1} M/s");
        }
        Assert.That(GicQuickBenchmarks.ItsTranslateWarm(0.01).Name, Is.EqualTo("its.translate.warm"));
    }
}
