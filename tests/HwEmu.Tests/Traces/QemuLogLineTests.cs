using HwEmu.Traces.Qemu;
using NUnit.Framework;

namespace HwEmu.Tests.Traces;

public class QemuLogLineTests
{
    [TestCase("13659@1795345706.737110:gicv3_dist_write GICv3 distributor write: offset 0x0", true, 1795345706737110L)]
    [TestCase("2025-07-21T18:43:28.089797Z gicv3_dist_write GICv3 distributor write: offset 0x0", true, 1753123408089797L)]
    [TestCase("2025-07-21T18:43:28.089797Z (13659) gicv3_dist_write GICv3 distributor write: offset 0x0", true, 1753123408089797L)]
    [TestCase("gicv3_dist_write GICv3 distributor write: offset 0x0", false, 0L)]
    public void EveryPrefixVariantGivesTheNameAndBody(string line, bool hasTime, long micros)
    {
        Assert.That(QemuLogLine.TryParse(line, out var l), Is.True);
        Assert.That((l.Name, l.Body, l.HasTime, l.TimeMicroseconds),
            Is.EqualTo(("gicv3_dist_write", "GICv3 distributor write: offset 0x0", hasTime, micros)));
    }

    [TestCase("")]
    [TestCase("smmuv3-iommu-memory-region-8-1 translation failed for iova=0x1000 (SMMU_EVT_F_TRANSLATION)")]
    [TestCase("12@17.5:smmu_add_mr x")]
    [TestCase("2025-07-21T18:43:28.0Z")]
    public void NonEventLinesAreRejected(string line) => Assert.That(QemuLogLine.TryParse(line, out _), Is.False);

    [Test]
    public void EventWithoutArgumentsHasAnEmptyBody()
    {
        Assert.That(QemuLogLine.TryParse("1@2.000003:smmuv3_cmdq_tlbi_nh ", out var l), Is.True);
        Assert.That((l.Name, l.Body, l.TimeMicroseconds), Is.EqualTo(("smmuv3_cmdq_tlbi_nh", "", 2_000_003L)));
    }

    [TestCase("sid=0x10 iova=0x8e041242", "sid=", 0x10UL)]
    [TestCase("sid=16 iova=0x8e041242", "sid=", 16UL)]
    [TestCase("baseaddr=0x43253000 index=0x0, pteaddr=0x43253008, pte=0x43279003", "pte=", 0x43279003UL)]
    [TestCase("baseaddr=0x43253000 index=0x0, pteaddr=0x43253008, pte=0x43279003", "pteaddr=", 0x43253008UL)]
    [TestCase("baseaddr=0x43253000 index=0x0, pteaddr=0x43253008, pte=0x43279003", "addr=", 0UL)]
    [TestCase("vmid=-1 asid=1", "vmid=", 0xffff_ffff_ffff_ffffUL)]
    [TestCase("addr: 0x98 val:0xf size: 0x4(0)", "size:", 4UL)]
    public void FieldsAreFoundOnlyAtAWordStart(string body, string key, ulong expected)
    {
        bool found = QemuLogLine.TryField(body, key, out ulong v);
        Assert.That((found, v), Is.EqualTo((expected != 0 || key != "addr=", expected)));
    }
}
