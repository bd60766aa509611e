using HwEmu.Traces.Format;
using HwEmu.Traces.MessagePack;
using NUnit.Framework;

namespace HwEmu.Tests.Traces;

/// <summary>
/// The fields and the record type appended in format 1 for run replays (trace-format.md §2): exact bytes, round trip,
/// and records written without them keep their old bytes.
/// </summary>
public class AppendedFieldsTests
{
    private static byte[] Encode<T>(in T record) where T : struct, ITraceRecord<T>
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        var w = new MessagePackWriter(buffer);
        record.Write(ref w);
        w.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    private static T Decode<T>(byte[] bytes) where T : struct, ITraceRecord<T>
    {
        var r = new MessagePackReader(bytes);
        Assert.That(T.TryRead(ref r, out T record), Is.True);
        Assert.That(r.Position, Is.EqualTo(bytes.Length));
        return record;
    }

    [Test]
    public void ATranslationWithoutArrivalKeepsTheDocumentedBytesAndOneWithItAppendsAField()
    {
        var t = new TranslationRecord(1_000_000, 7, 0x10, 0, false, 0xfffff000, 0x4_0000_0000, AccessPermissions.Read | AccessPermissions.Write, 3, TranslationSource.Iotlb, 0);
        // The worked example of trace-format.md §2.
        Assert.That(Convert.ToHexString(Encode(t)).ToLowerInvariant(), Is.EqualTo("9b02ce000f42400710c0cefffff000cf00000004000000000303020" + "0"));
        var withArrival = t with { ArrivalTime = 997_000 };
        Assert.That(Convert.ToHexString(Encode(withArrival)).ToLowerInvariant(), Is.EqualTo("9c02ce000f42400710c0cefffff000cf000000040000000003030200ce000f3688"));
        Assert.That(Decode<TranslationRecord>(Encode(withArrival)), Is.EqualTo(withArrival));
        Assert.That(Decode<TranslationRecord>(Encode(t)).ArrivalTime, Is.EqualTo(TranslationRecord.NoArrival));
    }

    [Test]
    public void AFaultCarriesItsArrivalAfterTheEventRecord()
    {
        var f = new TranslationFaultRecord(5000, 1, 2, 0, false, 0x1000, 0x10, FaultAction.Terminated, 4, false, 0, 0, 0, 0, ArrivalTime: 1000);
        byte[] b = Encode(f);
        Assert.That(b[0], Is.EqualTo(0x9b), "11 elements: type + 9 fields + arrival");
        Assert.That(b[^4..], Is.EqualTo(new byte[] { 0xc0, 0xcd, 0x03, 0xe8 }), "event record nil, then arrival 1000");
        Assert.That(Decode<TranslationFaultRecord>(b), Is.EqualTo(f));
    }

    [Test]
    public void DmaIssuedAppendsDeviceKindAndRouteOnlyWhenTheDeviceIsKnown()
    {
        var d = new DmaIssuedRecord(10, 1, 0x100, 0x100, 0, false, 0x2000, 64, DmaDirection.Read, DmaAttributes.NonSecure);
        byte[] old = Encode(d);
        Assert.That(old[0], Is.EqualTo(0x9a), "10 elements, as before");
        var run = d with { Device = 1, Kind = 2, Route = 1 };
        byte[] b = Encode(run);
        Assert.That(b[0], Is.EqualTo(0x9d));
        Assert.That(b[^3..], Is.EqualTo(new byte[] { 0x01, 0x02, 0x01 }));
        Assert.That(b[1..^3], Is.EqualTo(old[1..]));
        Assert.That(Decode<DmaIssuedRecord>(b), Is.EqualTo(run));
        Assert.That(Decode<DmaIssuedRecord>(old).Device, Is.EqualTo(-1));
    }

    [Test]
    public void DmaCompletedHasItsDocumentedLayout()
    {
        var c = new DmaCompletedRecord(2_000_000, 42, 1, 0, DmaDirection.Write, 4096, 1_500_000, DmaCompletedRecord.FlagOperationCompleted);
        Assert.That(Convert.ToHexString(Encode(c)).ToLowerInvariant(), Is.EqualTo("990cce001e84802a010001cd1000ce0016e36002"));
        Assert.That(Decode<DmaCompletedRecord>(Encode(c)), Is.EqualTo(c));
        Assert.That(TraceRecordSchema.TypeName(12), Is.EqualTo("DmaCompleted"));
    }
}
