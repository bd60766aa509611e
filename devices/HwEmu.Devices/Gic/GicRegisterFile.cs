using System.Globalization;
using System.Text;
using HwEmu.Emulator.Bus;

namespace HwEmu.Devices.Gic;

/// <summary>
/// A register frame built from a list of <see cref="GicRegister"/> declarations. Accesses of 4 or 8 bytes (and,
/// where allowed, 1 or 2) are dispatched by offset; an access narrower than the register reads or merges the
/// addressed bytes, an access wider than a 32-bit register is split over consecutive registers. Offsets that no
/// register declares are RAZ/WI and counted, never an exception.
/// </summary>
public sealed class GicRegisterFile
{
    private readonly GicRegister[] _registers;   // sorted by offset
    private readonly int[] _valueBase;           // index of instance 0 in _values
    private readonly ulong[] _values;

    /// <summary>Builds the file; declarations must not overlap.</summary>
    public GicRegisterFile(string frameName, IEnumerable<GicRegister> registers, int minAccessSize = 4)
    {
        FrameName = frameName;
        MinAccessSize = minAccessSize;
        _registers = [.. registers.OrderBy(r => r.Offset)];
        _valueBase = new int[_registers.Length];
        int n = 0;
        for (int i = 0; i < _registers.Length; i++)
        {
            if (i > 0 && _registers[i].Offset < _registers[i - 1].End)
                throw new ArgumentException($"{frameName}: register {_registers[i].Name} at 0x{_registers[i].Offset:x} overlaps {_registers[i - 1].Name}");
            _valueBase[i] = n;
            n += _registers[i].Count;
        }
        _values = new ulong[n];
        Reset();
    }

    /// <summary>Name of the frame (for dumps).</summary>
    public string FrameName { get; }

    /// <summary>Smallest access size accepted; narrower accesses get <see cref="BusStatus.SlaveError"/>.</summary>
    public int MinAccessSize { get; }

    /// <summary>The declarations, sorted by offset.</summary>
    public IReadOnlyList<GicRegister> Registers => _registers;

    /// <summary>Accesses to offsets no register declares (RAZ/WI), or with a refused size.</summary>
    public long BadAccesses { get; private set; }

    /// <summary>Writes to read-only registers (ignored).</summary>
    public long IgnoredWrites { get; private set; }

    /// <summary>Restores every register to its reset value.</summary>
    public void Reset()
    {
        for (int i = 0; i < _registers.Length; i++)
            for (int k = 0; k < _registers[i].Count; k++) _values[_valueBase[i] + k] = _registers[i].Reset;
    }

    /// <summary>Stored value of instance <paramref name="index"/> of the register named <paramref name="name"/>.</summary>
    public ulong Get(string name, int index = 0) => _values[Slot(name, index)];

    /// <summary>Sets the stored value (no side effects): device models use this for state they own.</summary>
    public void Set(string name, ulong value, int index = 0) => _values[Slot(name, index)] = value;

    /// <summary>Stored value by register and instance (fast form for the owning device).</summary>
    public ulong Get(GicRegister register, int index = 0) => _values[Slot(register, index)];

    /// <summary>Sets the stored value by register and instance (no side effects).</summary>
    public void Set(GicRegister register, ulong value, int index = 0) => _values[Slot(register, index)] = value;

    private int Slot(string name, int index)
    {
        for (int i = 0; i < _registers.Length; i++)
            if (_registers[i].Name == name && (uint)index < (uint)_registers[i].Count) return _valueBase[i] + index;
        throw new ArgumentException($"{FrameName}: no register {name}[{index}]");
    }

    private int Slot(GicRegister register, int index)
    {
        int i = Array.IndexOf(_registers, register);
        if (i < 0 || (uint)index >= (uint)register.Count) throw new ArgumentException($"{FrameName}: register {register.Name}[{index}] is not in this file");
        return _valueBase[i] + index;
    }

    private int Find(ulong offset)
    {
        int lo = 0, hi = _registers.Length - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            var r = _registers[mid];
            if (offset < r.Offset) hi = mid - 1;
            else if (offset >= r.End) lo = mid + 1;
            else return mid;
        }
        return -1;
    }

    /// <summary>Current value of a register instance as a read would return it.</summary>
    public ulong ReadRegister(GicRegister register, int index)
    {
        if (register.Access == GicRegisterAccess.WriteOnly) return 0;
        return register.OnRead is { } f ? f(index) : _values[Slot(register, index)];
    }

    /// <summary>Reads <paramref name="size"/> bytes at <paramref name="offset"/>.</summary>
    public BusStatus Read(ulong offset, int size, out ulong value)
    {
        value = 0;
        if (size < MinAccessSize || size is not (1 or 2 or 4 or 8) || (offset & (ulong)(size - 1)) != 0)
        {
            BadAccesses++;
            return BusStatus.SlaveError;
        }
        int i = Find(offset);
        if (i < 0)
        {
            // An 8-byte access may cover two 32-bit registers, or one plus a hole.
            if (size == 8 && Find(offset + 4) >= 0) return ReadSplit(offset, out value);
            BadAccesses++;
            return BusStatus.Ok;
        }
        var r = _registers[i];
        if (size > r.Width) return ReadSplit(offset, out value);
        int index = (int)((offset - r.Offset) / (uint)r.Width);
        ulong v = r.Access == GicRegisterAccess.WriteOnly ? 0 : r.OnRead is { } f ? f(index) : _values[_valueBase[i] + index];
        int shift = (int)((offset - r.Offset) % (uint)r.Width) * 8;
        value = size == 8 ? v : (v >> shift) & ((1UL << (size * 8)) - 1);
        return BusStatus.Ok;
    }

    private BusStatus ReadSplit(ulong offset, out ulong value)
    {
        Read(offset, 4, out ulong lo);
        Read(offset + 4, 4, out ulong hi);
        value = lo | (hi << 32);
        return BusStatus.Ok;
    }

    /// <summary>Writes the low <paramref name="size"/> bytes of <paramref name="value"/> at <paramref name="offset"/>.</summary>
    public BusStatus Write(ulong offset, int size, ulong value)
    {
        if (size < MinAccessSize || size is not (1 or 2 or 4 or 8) || (offset & (ulong)(size - 1)) != 0)
        {
            BadAccesses++;
            return BusStatus.SlaveError;
        }
        int i = Find(offset);
        if (i < 0)
        {
            if (size == 8 && Find(offset + 4) >= 0) return WriteSplit(offset, value);
            BadAccesses++;
            return BusStatus.Ok;
        }
        var r = _registers[i];
        if (size > r.Width) return WriteSplit(offset, value);
        if (r.Access == GicRegisterAccess.ReadOnly)
        {
            IgnoredWrites++;
            return BusStatus.Ok;
        }
        int index = (int)((offset - r.Offset) / (uint)r.Width);
        int slot = _valueBase[i] + index;
        ulong previous = _values[slot];
        ulong merged;
        if (size == r.Width) merged = value;
        else
        {
            int shift = (int)((offset - r.Offset) % (uint)r.Width) * 8;
            ulong fieldMask = ((1UL << (size * 8)) - 1) << shift;
            merged = (previous & ~fieldMask) | ((value << shift) & fieldMask);
        }
        ulong next = (previous & ~r.WritableMask) | (merged & r.WritableMask);
        _values[slot] = next;
        r.OnWrite?.Invoke(index, previous, next);
        return BusStatus.Ok;
    }

    private BusStatus WriteSplit(ulong offset, ulong value)
    {
        Write(offset, 4, value & 0xFFFF_FFFF);
        Write(offset + 4, 4, value >> 32);
        return BusStatus.Ok;
    }

    /// <summary>
    /// A register dump: one line per register instance, "NAME  offset  value", using the declared names. Array
    /// instances still at their reset value are skipped unless <paramref name="all"/> is set.
    /// </summary>
    public string Dump(bool all = false)
    {
        var sb = new StringBuilder();
        sb.Append(FrameName).Append('\n');
        for (int i = 0; i < _registers.Length; i++)
        {
            var r = _registers[i];
            for (int k = 0; k < r.Count; k++)
            {
                ulong v = ReadRegister(r, k);
                if (r.Count > 1 && !all && v == r.Reset) continue;
                string hex = r.Width == 8 ? v.ToString("x16", CultureInfo.InvariantCulture) : v.ToString("x8", CultureInfo.InvariantCulture);
                sb.Append(CultureInfo.InvariantCulture, $"  {r.InstanceName(k),-20} 0x{r.Offset + k * r.Width:x5}  0x{hex}\n");
            }
        }
        return sb.ToString();
    }
}
