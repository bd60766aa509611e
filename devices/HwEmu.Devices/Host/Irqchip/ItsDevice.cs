namespace HwEmu.Devices.Host.Irqchip;

/// <summary>
/// struct its_device: one DeviceID mapped by MAPD to an ITT, with its LPI range (event_map) and the collection
/// (CPU) each event is routed to.
/// </summary>
public sealed class ItsDevice
{
    private readonly bool[] _used;
    private readonly int[] _cpu;

    internal ItsDevice(uint deviceId, int nrItes, ulong ittPa, ulong ittBytes, uint lpiBase, int nrLpis)
    {
        DeviceId = deviceId;
        NrItes = nrItes;
        IttAddress = ittPa;
        IttBytes = ittBytes;
        LpiBase = lpiBase;
        NrLpis = nrLpis;
        _used = new bool[nrLpis];
        _cpu = new int[nrLpis];
        Array.Fill(_cpu, -1);
    }

    /// <summary>The DeviceID (msi-map output for the requester).</summary>
    public uint DeviceId { get; }
    /// <summary>ITT entries: max(2, nvec rounded up to a power of two).</summary>
    public int NrItes { get; }
    /// <summary>MAPD Size field: ilog2(nr_ites) - 1.</summary>
    public int MapdSize => System.Numerics.BitOperations.Log2((uint)NrItes) - 1;
    /// <summary>Physical address of the ITT (256-byte aligned).</summary>
    public ulong IttAddress { get; }
    internal ulong IttBytes { get; }
    /// <summary>First LPI INTID of the device's range.</summary>
    public uint LpiBase { get; }
    /// <summary>LPIs in the range.</summary>
    public int NrLpis { get; }
    /// <summary>False once the last vector is freed and MAPD V=0 has been sent.</summary>
    public bool Mapped { get; internal set; } = true;

    /// <summary>True when <paramref name="eventId"/> is allocated.</summary>
    public bool IsAllocated(uint eventId) => eventId < (uint)_used.Length && _used[eventId];

    /// <summary>The CPU (collection) <paramref name="eventId"/> targets, or -1.</summary>
    public int TargetCpu(uint eventId) => eventId < (uint)_cpu.Length ? _cpu[eventId] : -1;

    internal int AllocEvent()
    {
        for (int i = 0; i < _used.Length; i++) if (!_used[i]) { _used[i] = true; return i; }
        return -1;
    }

    internal void FreeEvent(uint eventId) { _used[eventId] = false; _cpu[eventId] = -1; }

    internal void SetCpu(uint eventId, int cpu) => _cpu[eventId] = cpu;

    internal bool Empty
    {
        get
        {
            foreach (bool u in _used) if (u) return false;
            return true;
        }
    }
}
