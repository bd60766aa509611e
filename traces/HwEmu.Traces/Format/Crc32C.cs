using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace HwEmu.Traces.Format;

/// <summary>
/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78, init and final XOR 0xFFFFFFFF) as used by iSCSI
/// (RFC 3720 §12.1 / Appendix B.4). Uses the SSE4.2 or ARMv8 CRC32C instructions when present, else a
/// slicing-by-8 table implementation. "123456789" gives 0xE3069283.
/// </summary>
public static class Crc32C
{
    private const uint ReflectedPolynomial = 0x82F63B78;
    private static readonly uint[] Table = BuildTable();

    /// <summary>True when a hardware CRC32C instruction is used.</summary>
    public static bool IsHardwareAccelerated => Sse42.X64.IsSupported || Sse42.IsSupported || Crc32.Arm64.IsSupported || Crc32.IsSupported;

    /// <summary>CRC-32C of <paramref name="data"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => Append(0, data);

    /// <summary>Extends a finished CRC-32C: <c>Append(Compute(a), b) == Compute(a + b)</c>.</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data) => ~UpdateHardware(~crc, data);

    /// <summary>The table-driven (slicing-by-8) implementation, exposed so tests can compare it with the
    /// hardware path.</summary>
    public static uint AppendSoftware(uint crc, ReadOnlySpan<byte> data) => ~UpdateSoftware(~crc, data);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static uint UpdateHardware(uint state, ReadOnlySpan<byte> data)
    {
        ref byte p = ref MemoryMarshal.GetReference(data);
        int n = data.Length;
        int i = 0;
        if (Sse42.X64.IsSupported)
        {
            ulong s = state;
            for (; i + 8 <= n; i += 8)
            {
                s = Sse42.X64.Crc32(s, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref p, i)));
            }
            state = (uint)s;
            for (; i < n; i++)
            {
                state = Sse42.Crc32(state, Unsafe.Add(ref p, i));
            }
            return state;
        }
        if (Sse42.IsSupported)
        {
            for (; i + 4 <= n; i += 4)
            {
                state = Sse42.Crc32(state, Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref p, i)));
            }
            for (; i < n; i++)
            {
                state = Sse42.Crc32(state, Unsafe.Add(ref p, i));
            }
            return state;
        }
        if (Crc32.Arm64.IsSupported)
        {
            for (; i + 8 <= n; i += 8)
            {
                state = Crc32.Arm64.ComputeCrc32C(state, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref p, i)));
            }
            for (; i < n; i++)
            {
                state = Crc32.ComputeCrc32C(state, Unsafe.Add(ref p, i));
            }
            return state;
        }
        if (Crc32.IsSupported)
        {
            for (; i + 4 <= n; i += 4)
            {
                state = Crc32.ComputeCrc32C(state, Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref p, i)));
            }
            for (; i < n; i++)
            {
                state = Crc32.ComputeCrc32C(state, Unsafe.Add(ref p, i));
            }
            return state;
        }
        return UpdateSoftware(state, data);
    }

    private static uint UpdateSoftware(uint state, ReadOnlySpan<byte> data)
    {
        uint[] t = Table;
        int i = 0;
        for (; i + 8 <= data.Length; i += 8)
        {
            // Slicing-by-8: eight table lookups fold eight bytes per iteration (tables 0..7 in one array).
            uint lo = BinaryPrimitives.ReadUInt32LittleEndian(data.Slice(i)) ^ state;
            uint hi = BinaryPrimitives.ReadUInt32LittleEndian(data.Slice(i + 4));
            state = t[(7 * 256) + (lo & 0xff)] ^ t[(6 * 256) + ((lo >> 8) & 0xff)] ^
                    t[(5 * 256) + ((lo >> 16) & 0xff)] ^ t[(4 * 256) + (lo >> 24)] ^
                    t[(3 * 256) + (hi & 0xff)] ^ t[(2 * 256) + ((hi >> 8) & 0xff)] ^
                    t[(1 * 256) + ((hi >> 16) & 0xff)] ^ t[hi >> 24];
        }
        for (; i < data.Length; i++)
        {
            state = t[(state ^ data[i]) & 0xff] ^ (state >> 8);
        }
        return state;
    }

    private static uint[] BuildTable()
    {
        var t = new uint[8 * 256];
        for (uint b = 0; b < 256; b++)
        {
            uint c = b;
            for (int k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? (c >> 1) ^ ReflectedPolynomial : c >> 1;
            }
            t[b] = c;
        }
        for (int s = 1; s < 8; s++)
        {
            for (int b = 0; b < 256; b++)
            {
                uint prev = t[((s - 1) * 256) + b];
                t[(s * 256) + b] = (prev >> 8) ^ t[prev & 0xff];
            }
        }
        return t;
    }
}
