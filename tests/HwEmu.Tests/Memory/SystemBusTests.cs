using HwEmu.Emulator.Bus;
using HwEmu.Emulator.Memory;
using NUnit.Framework;

namespace HwEmu.Tests.Memory;

public class SystemBusTests
{
    /// <summary>A 256-byte register window of bytes that logs every access; offsets 0x80-0x8F refuse accesses.</summary>
    private sealed class TestDevice : IMmioDevice
    {
        public readonly byte[] Registers = new byte[256];
        public readonly List<(bool Write, ulong Offset, int Size, ulong Value, uint DeviceId)> Log = [];

        public string Name => "testdev";

        public BusStatus Read(ulong offset, int size, out ulong value, in BusAttributes attributes)
        {
            value = 0;
            if (offset is >= 0x80 and < 0x90) return BusStatus.SlaveError;
            for (int i = 0; i < size; i++) value |= (ulong)Registers[offset + (ulong)i] << (8 * i);
            Log.Add((false, offset, size, value, attributes.DeviceId));
            return BusStatus.Ok;
        }

        public BusStatus Write(ulong offset, int size, ulong value, in BusAttributes attributes)
        {
            if (offset is >= 0x80 and < 0x90) return BusStatus.SlaveError;
            for (int i = 0; i < size; i++) Registers[offset + (ulong)i] = (byte)(value >> (8 * i));
            Log.Add((true, offset, size, value, attributes.DeviceId));
            return BusStatus.Ok;
        }
    }

    private const ulong RamBase = 0x4000_0000;
    private const ulong RamSize = 0x1_0000;
    private const ulong DevBase = RamBase + RamSize; // directly after RAM, so accesses can straddle

    private static (SystemBus Bus, TestDevice Device) Create()
    {
        var bus = new SystemBus(new PhysicalMemory());
        var dev = new TestDevice();
        bus.AddDevice(DevBase, 0x100, dev);
        bus.AddRam(RamBase, RamSize);
        return (bus, dev);
    }

    [Test]
    public void RamReadsAndWritesReachPhysicalMemory()
    {
        var (bus, _) = Create();
        Assert.That(bus.Write(RamBase + 0x10, 8, 0x0123_4567_89AB_CDEF), Is.EqualTo(BusStatus.Ok));
        Assert.That(bus.Memory.Read64(RamBase + 0x10), Is.EqualTo(0x0123_4567_89AB_CDEFUL));
        Assert.That(bus.Read64(RamBase + 0x10, out ulong v), Is.EqualTo(BusStatus.Ok));
        Assert.That(v, Is.EqualTo(0x0123_4567_89AB_CDEFUL));
        foreach (int size in new[] { 1, 2, 4, 8 })
        {
            Assert.That(bus.Read(RamBase + 0x11, size, out v), Is.EqualTo(BusStatus.Ok));
            Assert.That(v, Is.EqualTo(0x0123_4567_89AB_CDEFUL >> 8 & (size == 8 ? ulong.MaxValue : (1UL << (8 * size)) - 1)));
        }
        Assert.That(bus.Regions.Select(r => r.Name), Is.EqualTo(new[] { "ram", "testdev" }), "sorted by base");
        Assert.That(bus.IsRam(RamBase, RamSize), Is.True);
        Assert.That(bus.IsRam(RamBase, RamSize + 1), Is.False);
        Assert.That(bus.IsRam(DevBase), Is.False);
    }

    [Test]
    public void DeviceAccessesGetWindowOffsetsAndAttributes()
    {
        var (bus, dev) = Create();
        var attrs = new BusAttributes(RequesterId: 0x0100, DeviceId: 0x0100);
        Assert.That(bus.Write(DevBase + 0x40, 4, 0xDEAD_BEEF, attrs), Is.EqualTo(BusStatus.Ok));
        Assert.That(bus.Read(DevBase + 0x40, 4, out ulong v, attrs), Is.EqualTo(BusStatus.Ok));
        Assert.That(v, Is.EqualTo(0xDEAD_BEEFUL));
        Assert.That(dev.Log, Is.EqualTo(new[] { (true, 0x40UL, 4, 0xDEAD_BEEFUL, 0x100u), (false, 0x40UL, 4, 0xDEAD_BEEFUL, 0x100u) }));
        Assert.That(bus.Read64(DevBase + 0x40, out v), Is.EqualTo(BusStatus.Ok));
        Assert.That(v, Is.EqualTo(0xDEAD_BEEFUL));
        Assert.That(bus.Memory.AllocatedPages, Is.Zero, "device writes do not touch RAM");
    }

    [Test]
    public void DeviceRefusalIsASlaveError()
    {
        var (bus, _) = Create();
        Assert.That(bus.Read(DevBase + 0x88, 8, out ulong v), Is.EqualTo(BusStatus.SlaveError));
        Assert.That(v, Is.Zero);
        Assert.That(bus.Write(DevBase + 0x80, 4, 1), Is.EqualTo(BusStatus.SlaveError));
    }

    [Test]
    public void UnmappedAddressesAreDecodeErrorsNotExceptions()
    {
        var (bus, _) = Create();
        foreach (ulong pa in new[] { 0UL, RamBase - 1, DevBase + 0x100, PhysicalMemory.AddressLimit, ulong.MaxValue, ulong.MaxValue - 3 })
        {
            Assert.That(bus.Read(pa, 4, out ulong v), Is.EqualTo(BusStatus.DecodeError), $"0x{pa:x}");
            Assert.That(v, Is.Zero);
            Assert.That(bus.Read64(pa, out _), Is.EqualTo(BusStatus.DecodeError), $"0x{pa:x}");
            Assert.That(bus.Write(pa, 8, 1), Is.EqualTo(BusStatus.DecodeError), $"0x{pa:x}");
            Assert.That(bus.Read(pa, new byte[16]), Is.EqualTo(BusStatus.DecodeError), $"0x{pa:x}");
            Assert.That(bus.Write(pa, new byte[16]), Is.EqualTo(BusStatus.DecodeError), $"0x{pa:x}");
        }
        Assert.That(bus.Memory.AllocatedPages, Is.Zero);
    }

    [TestCase(0)]
    [TestCase(3)]
    [TestCase(16)]
    [TestCase(-1)]
    public void BadAccessSizesAreSlaveErrorsNotExceptions(int size)
    {
        var (bus, _) = Create();
        Assert.That(bus.Read(RamBase, size, out ulong v), Is.EqualTo(BusStatus.SlaveError));
        Assert.That(v, Is.Zero);
        Assert.That(bus.Write(RamBase, size, 1), Is.EqualTo(BusStatus.SlaveError));
        Assert.That(bus.Read(DevBase, size, out _), Is.EqualTo(BusStatus.SlaveError));
    }

    [Test]
    public void AccessesStraddlingRamAndDeviceAreSplit()
    {
        var (bus, dev) = Create();
        bus.Memory.Write32(DevBase - 4, 0x4433_2211);
        dev.Registers[0] = 0x55;
        dev.Registers[1] = 0x66;
        dev.Registers[2] = 0x77;
        dev.Registers[3] = 0x88;
        Assert.That(bus.Read64(DevBase - 4, out ulong v), Is.EqualTo(BusStatus.Ok));
        Assert.That(v, Is.EqualTo(0x8877_6655_4433_2211UL));
        Assert.That(dev.Log.Select(e => (e.Offset, e.Size)), Is.EqualTo(new[] { (0UL, 1), (1UL, 1), (2UL, 1), (3UL, 1) }));

        dev.Log.Clear();
        Assert.That(bus.Write(DevBase - 2, 4, 0xAABB_CCDD), Is.EqualTo(BusStatus.Ok));
        Assert.That(bus.Memory.Read16(DevBase - 2), Is.EqualTo(0xCCDD));
        Assert.That(dev.Registers[0], Is.EqualTo(0xBB));
        Assert.That(dev.Registers[1], Is.EqualTo(0xAA));
    }

    [Test]
    public void AccessesStraddlingIntoUnmappedSpaceFailWithoutPartialEffect()
    {
        var (bus, dev) = Create();
        ulong end = DevBase + 0x100;
        Assert.That(bus.Write(end - 2, 4, 0xFFFF_FFFF), Is.EqualTo(BusStatus.DecodeError));
        Assert.That(dev.Registers[0xFE], Is.Zero);
        Assert.That(dev.Log, Is.Empty, "nothing written before the failure was detected");
        Assert.That(bus.Read(end - 2, 4, out ulong v), Is.EqualTo(BusStatus.DecodeError));
        Assert.That(v, Is.Zero);

        Assert.That(bus.Write(RamBase - 1, 2, 0xFFFF), Is.EqualTo(BusStatus.DecodeError));
        Assert.That(bus.Memory.AllocatedPages, Is.Zero);
    }

    [Test]
    public void SpanAccessesUseNaturallyAlignedDeviceChunks()
    {
        var (bus, dev) = Create();
        var data = new byte[16];
        for (int i = 0; i < 16; i++) data[i] = (byte)(0x10 + i);
        Assert.That(bus.Write(DevBase + 6, data), Is.EqualTo(BusStatus.Ok));
        Assert.That(dev.Log.Select(e => (e.Offset, e.Size)), Is.EqualTo(new[] { (6UL, 2), (8UL, 8), (16UL, 4), (20UL, 2) }));
        Assert.That(dev.Registers.AsSpan(6, 16).SequenceEqual(data), Is.True);
        Assert.That(dev.Log[1].Value, Is.EqualTo(0x1918_1716_1514_1312UL));

        var back = new byte[16];
        dev.Log.Clear();
        Assert.That(bus.Read(DevBase + 6, back), Is.EqualTo(BusStatus.Ok));
        Assert.That(back, Is.EqualTo(data));
        Assert.That(dev.Log.Select(e => (e.Offset, e.Size)), Is.EqualTo(new[] { (6UL, 2), (8UL, 8), (16UL, 4), (20UL, 2) }));
    }

    [Test]
    public void SpanAccessesCrossRamPagesAndIntoDevices()
    {
        var (bus, dev) = Create();
        var data = new byte[RamSize / 2 + 8];
        new Random(1).NextBytes(data);
        ulong start = DevBase - (ulong)data.Length + 8;
        Assert.That(bus.Write(start, data), Is.EqualTo(BusStatus.Ok));
        var back = new byte[data.Length];
        Assert.That(bus.Read(start, back), Is.EqualTo(BusStatus.Ok));
        Assert.That(back, Is.EqualTo(data));
        Assert.That(dev.Registers.AsSpan(0, 8).SequenceEqual(data.AsSpan(data.Length - 8)), Is.True);
        Assert.That(bus.Memory.AllocatedPages, Is.EqualTo(8));
    }

    [Test]
    public void RegionsAreValidated()
    {
        var (bus, dev) = Create();
        Assert.Throws<ArgumentException>(() => bus.AddRam(RamBase + RamSize - 1, 2), "overlaps RAM");
        Assert.Throws<ArgumentException>(() => bus.AddDevice(DevBase + 0xFF, 1, dev), "overlaps device");
        Assert.Throws<ArgumentException>(() => bus.AddRam(0x1000, 0), "empty");
        Assert.Throws<ArgumentException>(() => bus.AddRam(PhysicalMemory.AddressLimit - 0x1000, 0x1001), "beyond 52 bits");
        Assert.Throws<ArgumentException>(() => bus.AddRam(ulong.MaxValue, 2), "wraps");
        bus.AddRam(RamBase - 0x1000, 0x1000, "below");
        Assert.That(bus.Regions.Select(r => r.Name), Is.EqualTo(new[] { "below", "ram", "testdev" }));
    }

    [Test]
    public void TopOfTheFiftyTwoBitSpace()
    {
        var bus = new SystemBus(new PhysicalMemory());
        const ulong Last = 0xF_FFFF_FFFF_FFFFUL;
        bus.AddRam(Last - 0xFFF, 0x1000, "top");
        Assert.That(bus.Write(Last, 1, 0x5A), Is.EqualTo(BusStatus.Ok));
        Assert.That(bus.Read(Last, 1, out ulong v), Is.EqualTo(BusStatus.Ok));
        Assert.That(v, Is.EqualTo(0x5AUL));
        Assert.That(bus.Read64(Last - 7, out v), Is.EqualTo(BusStatus.Ok));
        Assert.That(v, Is.EqualTo(0x5A00_0000_0000_0000UL));
        Assert.That(bus.Read64(Last - 3, out _), Is.EqualTo(BusStatus.DecodeError), "straddles 2^52");
        Assert.That(bus.Write(Last - 3, 8, ulong.MaxValue), Is.EqualTo(BusStatus.DecodeError));
        Assert.That(bus.Read(Last, 1, out v), Is.EqualTo(BusStatus.Ok));
        Assert.That(v, Is.EqualTo(0x5AUL), "failed write left no partial effect");
        Assert.That(bus.Read(Last + 1, 1, out _), Is.EqualTo(BusStatus.DecodeError));
    }
}
