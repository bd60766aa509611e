namespace HwEmu.Traces.MessagePack;

/// <summary>First-byte codes of the MessagePack format families (msgpack spec "Formats").</summary>
public static class MessagePackCode
{
#pragma warning disable CS1591 // The names are the spec's format names.
    public const byte MinFixInt = 0x00, MaxFixInt = 0x7f;
    public const byte MinFixMap = 0x80, MaxFixMap = 0x8f;
    public const byte MinFixArray = 0x90, MaxFixArray = 0x9f;
    public const byte MinFixStr = 0xa0, MaxFixStr = 0xbf;
    public const byte Nil = 0xc0, NeverUsed = 0xc1, False = 0xc2, True = 0xc3;
    public const byte Bin8 = 0xc4, Bin16 = 0xc5, Bin32 = 0xc6;
    public const byte Ext8 = 0xc7, Ext16 = 0xc8, Ext32 = 0xc9;
    public const byte Float32 = 0xca, Float64 = 0xcb;
    public const byte UInt8 = 0xcc, UInt16 = 0xcd, UInt32 = 0xce, UInt64 = 0xcf;
    public const byte Int8 = 0xd0, Int16 = 0xd1, Int32 = 0xd2, Int64 = 0xd3;
    public const byte FixExt1 = 0xd4, FixExt2 = 0xd5, FixExt4 = 0xd6, FixExt8 = 0xd7, FixExt16 = 0xd8;
    public const byte Str8 = 0xd9, Str16 = 0xda, Str32 = 0xdb;
    public const byte Array16 = 0xdc, Array32 = 0xdd;
    public const byte Map16 = 0xde, Map32 = 0xdf;
    public const byte MinNegativeFixInt = 0xe0, MaxNegativeFixInt = 0xff;
#pragma warning restore CS1591

    /// <summary>The extension type code of the predefined timestamp extension.</summary>
    public const sbyte TimestampType = -1;

    private static readonly MessagePackType[] Types = BuildTypes();

    /// <summary>The type family a first byte introduces.</summary>
    public static MessagePackType TypeOf(byte code) => Types[code];

    /// <summary>The spec's name of the format a first byte introduces, for error messages.</summary>
    public static string FormatName(byte code) => code switch
    {
        <= MaxFixInt => "positive fixint",
        <= MaxFixMap => "fixmap",
        <= MaxFixArray => "fixarray",
        <= MaxFixStr => "fixstr",
        Nil => "nil",
        NeverUsed => "never-used code 0xc1",
        False => "false",
        True => "true",
        Bin8 => "bin 8",
        Bin16 => "bin 16",
        Bin32 => "bin 32",
        Ext8 => "ext 8",
        Ext16 => "ext 16",
        Ext32 => "ext 32",
        Float32 => "float 32",
        Float64 => "float 64",
        UInt8 => "uint 8",
        UInt16 => "uint 16",
        UInt32 => "uint 32",
        UInt64 => "uint 64",
        Int8 => "int 8",
        Int16 => "int 16",
        Int32 => "int 32",
        Int64 => "int 64",
        FixExt1 => "fixext 1",
        FixExt2 => "fixext 2",
        FixExt4 => "fixext 4",
        FixExt8 => "fixext 8",
        FixExt16 => "fixext 16",
        Str8 => "str 8",
        Str16 => "str 16",
        Str32 => "str 32",
        Array16 => "array 16",
        Array32 => "array 32",
        Map16 => "map 16",
        Map32 => "map 32",
        _ => "negative fixint",
    };

    private static MessagePackType[] BuildTypes()
    {
        var t = new MessagePackType[256];
        for (int c = 0; c < 256; c++)
        {
            t[c] = c switch
            {
                <= MaxFixInt => MessagePackType.Integer,
                <= MaxFixMap => MessagePackType.Map,
                <= MaxFixArray => MessagePackType.Array,
                <= MaxFixStr => MessagePackType.String,
                Nil => MessagePackType.Nil,
                NeverUsed => MessagePackType.Unknown,
                False or True => MessagePackType.Boolean,
                Bin8 or Bin16 or Bin32 => MessagePackType.Binary,
                Ext8 or Ext16 or Ext32 => MessagePackType.Extension,
                Float32 or Float64 => MessagePackType.Float,
                >= UInt8 and <= Int64 => MessagePackType.Integer,
                >= FixExt1 and <= FixExt16 => MessagePackType.Extension,
                Str8 or Str16 or Str32 => MessagePackType.String,
                Array16 or Array32 => MessagePackType.Array,
                Map16 or Map32 => MessagePackType.Map,
                _ => MessagePackType.Integer,
            };
        }
        return t;
    }
}
