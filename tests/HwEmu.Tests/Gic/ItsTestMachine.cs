using NUnit.Framework;
using HwEmu.Devices.Gic;
using HwEmu.Emulator.Bus;
using HwEmu.Emulator.Memory;

namespace HwEmu.Tests.Gic;

/// <summary>A small machine (RAM + GICv3 + ITS) and a kvm-unit-tests-like driver that programs it through registers and memory.</summary>
internal sealed class ItsTestMachine
{
    public const ulong RamBase = 0x4000_0000;
    public const ulong RamSize = 0x1000_0000;
    public const ulong CmdQ = 0x4100_0000;       // 64 KiB
    public const ulong DevTable = 0x4101_0000;   // 64 KiB
    public const ulong CollTable = 0x4102_0000;  // 64 KiB
    public const ulong PropTable = 0x4103_0000;  // 64 KiB
    public const ulong PendBase = 0x4110_0000;   // 64 KiB per CPU
    public const ulong IttBase = 0x4200_0000;    // 4 KiB per DeviceID
    public const ulong ItsBase = 0x0808_0000;
    public const ulong Translater = ItsBase + 0x1_0040;

    public readonly PhysicalMemory Mem = new();
    public readonly SystemBus Bus;
    public readonly Gicv3 Gic;
    public readonly GicV3Its Its;
    private uint _cwriter;

    public ItsTestMachine(int cpus = 4, ItsConfig? its = null, GicConfig? gic = null)
    {
        Bus = new SystemBus(Mem);
        Bus.AddRam(RamBase, RamSize);
        Gic = new Gicv3(Bus, (gic ?? new GicConfig()) with { Cpus = cpus });
        Gic.Attach();
        Its = new GicV3Its(Gic, its);
        Its.Attach();
    }

    public ulong ItsRead(ulong offset, int size = 8)
    {
        Assert.That(Bus.Read(ItsBase + offset, size, out ulong v, BusAttributes.Cpu), Is.EqualTo(BusStatus.Ok));
        return v;
    }

    public void ItsWrite(ulong offset, ulong value, int size = 8) =>
        Assert.That(Bus.Write(ItsBase + offset, size, value, BusAttributes.Cpu), Is.EqualTo(BusStatus.Ok));

    public void RdWrite(int cpu, ulong offset, ulong value, int size = 8) =>
        Assert.That(Bus.Write(Gic.Config.RedistributorBase + (ulong)cpu * 0x2_0000 + offset, size, value, BusAttributes.Cpu), Is.EqualTo(BusStatus.Ok));

    /// <summary>its_init + its_enable_defaults of kvm-unit-tests: flat 64 KiB tables, 64 KiB queue, PROPBASER IDbits 13 (unless given), LPIs on.</summary>
    public ItsTestMachine Init(int propIdBits = 15, bool enableLpis = true, ulong deviceBaser = 0)
    {
        ulong baser0 = ItsRead(0x100), baser1 = ItsRead(0x108);
        ItsWrite(0x100, deviceBaser != 0 ? deviceBaser : (baser0 & 0x0700_0000_0000_0300UL) | DevTable | (1UL << 63));
        ItsWrite(0x108, (baser1 & 0x0700_0000_0000_0300UL) | CollTable | (1UL << 63));
        ItsWrite(0x80, CmdQ | 15 | (1UL << 63));
        ItsWrite(0x88, 0);
        for (int c = 0; c < Gic.Config.Cpus; c++)
        {
            RdWrite(c, 0x70, PropTable | (uint)propIdBits);
            RdWrite(c, 0x78, PendBase + (ulong)c * 0x1_0000);
            if (enableLpis) RdWrite(c, 0x0, 1, 4);
        }
        ItsWrite(0x0, 1, 4);
        return this;
    }

    public void Send(ItsCommand command)
    {
        Span<byte> b = stackalloc byte[32];
        command.Write(b);
        Mem.Write(CmdQ + (ulong)_cwriter * 32, b);
        _cwriter = (_cwriter + 1) % 2048;
        ItsWrite(0x88, (ulong)_cwriter << 5);
    }

    public void SendAll(params ItsCommand[] commands)
    {
        foreach (var c in commands) Send(c);
    }

    public uint QueueIndex => _cwriter;

    public void SetConfig(uint intId, byte config) => Mem.Write8(PropTable + intId - 8192, config);

    public static ulong Itt(uint deviceId) => IttBase + (ulong)deviceId * 0x1000;

    public BusStatus Msi(uint deviceId, uint eventId) =>
        Bus.Write(Translater, 4, eventId, new BusAttributes(RequesterId: (ushort)deviceId, DeviceId: deviceId));

    public long Count(int cpu, uint intId) => Gic.CpuInterfaces[cpu].Count(intId);

    public long TotalDelivered()
    {
        long n = 0;
        foreach (var c in Gic.CpuInterfaces) n += c.Delivered;
        return n;
    }

    public bool PendingBit(int cpu, uint intId) => (Mem.Read8(PendBase + (ulong)cpu * 0x1_0000 + intId / 8) >> (int)(intId % 8) & 1) != 0;

    /// <summary>kvm-unit-tests its_setup1: dev2 (8 ITEs), dev7, col3 → PE3, col2 → PE2, LPIs 8195/8196.</summary>
    public void Setup1()
    {
        SetConfig(8195, 0xA3);
        SetConfig(8196, 0xA3);
        SendAll(
            ItsCommand.Mapd(2, 7, Itt(2), true),
            ItsCommand.Mapd(7, 7, Itt(7), true),
            ItsCommand.Mapc(3, 3, true),
            ItsCommand.Mapc(2, 2, true),
            ItsCommand.Invall(2),
            ItsCommand.Invall(3),
            ItsCommand.Mapti(2, 20, 8195, 3),
            ItsCommand.Mapti(7, 255, 8196, 2));
    }
}
