using System.Text;
using HwEmu.Traces.Format;
using NUnit.Framework;

namespace HwEmu.Tests.Traces;

public class Crc32CTests
{
    [Test]
    public void CheckValueOf123456789()
    {
        Assert.That(Crc32C.Compute("123456789"u8), Is.EqualTo(0xE3069283u));
        Assert.That(Crc32C.AppendSoftware(0, "123456789"u8), Is.EqualTo(0xE3069283u));
    }

    // RFC 3720 Appendix B.4 (CRC examples); the RFC prints the CRC bytes in wire (little-endian) order.
    [TestCase("zeros", 0x8A9136AAu)]
    [TestCase("ones", 0x62A8AB43u)]
    [TestCase("incrementing", 0x46DD794Eu)]
    [TestCase("decrementing", 0x113FDB5Cu)]
    public void Rfc3720Vectors(string kind, uint expected)
    {
        byte[] data = new byte[32];
        for (int i = 0; i < 32; i++)
        {
            data[i] = kind switch
            {
                "zeros" => 0,
                "ones" => 0xff,
                "incrementing" => (byte)i,
                _ => (byte)(31 - i),
            };
        }
        Assert.That(Crc32C.Compute(data), Is.EqualTo(expected));
        Assert.That(Crc32C.AppendSoftware(0, data), Is.EqualTo(expected));
    }

    [Test]
    public void Rfc3720IscsiReadCommandPdu()
    {
        byte[] pdu =
        [
            0x01, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18,
            0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        ];
        Assert.That(Crc32C.Compute(pdu), Is.EqualTo(0xD9963A56u));
    }

    [Test]
    public void HardwareAndSoftwareAgreeOnEveryLengthAndAlignment()
    {
        var rng = new Random(1234);
        byte[] buf = new byte[600];
        rng.NextBytes(buf);
        for (int offset = 0; offset < 9; offset++)
        {
            for (int len = 0; len < 300; len++)
            {
                ReadOnlySpan<byte> s = buf.AsSpan(offset, len);
                Assert.That(Crc32C.Compute(s), Is.EqualTo(Crc32C.AppendSoftware(0, s)), $"offset {offset} length {len}");
            }
        }
    }

    [Test]
    public void AppendEqualsComputeOfConcatenation()
    {
        byte[] a = Encoding.ASCII.GetBytes("12345");
        byte[] b = Encoding.ASCII.GetBytes("6789");
        Assert.That(Crc32C.Append(Crc32C.Compute(a), b), Is.EqualTo(0xE3069283u));
        Assert.That(Crc32C.AppendSoftware(Crc32C.AppendSoftware(0, a), b), Is.EqualTo(0xE3069283u));
        Assert.That(Crc32C.Compute([]), Is.EqualTo(0u));
    }
}
