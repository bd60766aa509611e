using System.Globalization;
using System.Text.Json;

namespace HwEmu.Devices.Platform;

/// <summary>
/// A JSON element together with its JSONPath and file name: every accessor either returns a typed value or throws
/// a <see cref="ScenarioException"/> naming the file, the path, what was expected and what was found.
/// </summary>
internal readonly struct ScenarioJson
{
    public ScenarioJson(string file, string path, JsonElement element)
    {
        File = file;
        Path = path;
        Element = element;
    }

    public string File { get; }
    public string Path { get; }
    public JsonElement Element { get; }

    public ScenarioException Error(string expected) => new(File, Path, expected, Describe(Element));

    public ScenarioException Error(string expected, string found) => new(File, Path, expected, found);

    public static string Describe(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => "string " + JsonSerializer.Serialize(e.GetString()),
        JsonValueKind.Number => "number " + e.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Null => "null",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        _ => "nothing",
    };

    /// <summary>Requires an object whose property names are all in <paramref name="allowed"/> (typos are errors).</summary>
    public ScenarioJson Object(params string[] allowed)
    {
        if (Element.ValueKind != JsonValueKind.Object) throw Error("an object");
        foreach (JsonProperty p in Element.EnumerateObject())
        {
            if (System.Array.IndexOf(allowed, p.Name) < 0)
                throw new ScenarioException(File, Path + "." + p.Name, "one of the properties " + string.Join(", ", allowed), "unknown property \"" + p.Name + "\"");
        }
        return this;
    }

    public ScenarioJson? Optional(string name)
    {
        if (Element.ValueKind == JsonValueKind.Object && Element.TryGetProperty(name, out JsonElement v) && v.ValueKind != JsonValueKind.Null)
            return new ScenarioJson(File, Path + "." + name, v);
        return null;
    }

    public ScenarioJson Required(string name, string expected)
    {
        ScenarioJson? v = Optional(name);
        if (v is null) throw new ScenarioException(File, Path + "." + name, expected, "nothing");
        return v.Value;
    }

    public IEnumerable<ScenarioJson> Array()
    {
        if (Element.ValueKind != JsonValueKind.Array) throw Error("an array");
        int i = 0;
        foreach (JsonElement e in Element.EnumerateArray())
            yield return new ScenarioJson(File, Path + "[" + i++.ToString(CultureInfo.InvariantCulture) + "]", e);
    }

    public string String()
    {
        if (Element.ValueKind != JsonValueKind.String) throw Error("a string");
        return Element.GetString()!;
    }

    public string Name()
    {
        string s = String();
        if (s.Length == 0) throw Error("a non-empty name");
        return s;
    }

    public bool Bool() => Element.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw Error("true or false"),
    };

    public long Integer(long min, long max)
    {
        if (Element.ValueKind == JsonValueKind.String && ScenarioUnits.TryParseSize(Element.GetString()!, out ulong u) && u <= long.MaxValue && (long)u >= min && (long)u <= max)
            return (long)u;
        if (Element.ValueKind != JsonValueKind.Number || !Element.TryGetInt64(out long v) || v < min || v > max)
            throw Error(string.Create(CultureInfo.InvariantCulture, $"an integer in {min}..{max}"));
        return v;
    }

    public int Int(int min, int max) => (int)Integer(min, max);

    public ulong UInt64()
    {
        if (Element.ValueKind == JsonValueKind.Number && Element.TryGetUInt64(out ulong v)) return v;
        if (Element.ValueKind == JsonValueKind.String && ScenarioUnits.TryParseSize(Element.GetString()!, out v)) return v;
        throw Error("a non-negative integer or a hex string like \"0x8000000\"");
    }

    public ulong Size()
    {
        if (Element.ValueKind == JsonValueKind.Number && Element.TryGetUInt64(out ulong v)) return v;
        if (Element.ValueKind == JsonValueKind.String && ScenarioUnits.TryParseSize(Element.GetString()!, out v)) return v;
        throw Error("a size in bytes (a number or a string like \"4KiB\", \"2MiB\", \"0x8000000\")");
    }

    public ulong PositiveSize()
    {
        ulong v = Size();
        if (v == 0) throw Error("a size greater than 0");
        return v;
    }

    public ulong Duration()
    {
        if (Element.ValueKind == JsonValueKind.Number && Element.TryGetUInt64(out ulong ns) && ns <= ulong.MaxValue / 1000) return ns * 1000;
        if (Element.ValueKind == JsonValueKind.String && ScenarioUnits.TryParseDuration(Element.GetString()!, out ulong ps)) return ps;
        throw Error("a duration (nanoseconds, or a string like \"80ns\", \"10us\", \"1ms\")");
    }

    public ulong Frequency()
    {
        ulong hz = 0;
        bool ok = Element.ValueKind == JsonValueKind.Number ? Element.TryGetUInt64(out hz)
            : Element.ValueKind == JsonValueKind.String && ScenarioUnits.TryParseFrequency(Element.GetString()!, out hz);
        if (!ok || hz == 0) throw Error("a frequency (Hz, or a string like \"1GHz\", \"800MHz\")");
        return hz;
    }

    public double Bandwidth()
    {
        if (Element.ValueKind == JsonValueKind.Number && Element.TryGetDouble(out double d) && d > 0) return d;
        if (Element.ValueKind == JsonValueKind.String && ScenarioUnits.TryParseBandwidth(Element.GetString()!, out d)) return d;
        throw Error("a bandwidth (GB/s, or a string like \"25.6GB/s\", \"800MB/s\")");
    }

    public double Double(double min, double max)
    {
        if (Element.ValueKind != JsonValueKind.Number || !Element.TryGetDouble(out double v) || !(v >= min && v <= max))
            throw Error(string.Create(CultureInfo.InvariantCulture, $"a number in [{min}, {max}]"));
        return v;
    }

    public T Enum<T>(params (string Text, T Value)[] values)
    {
        if (Element.ValueKind == JsonValueKind.String)
        {
            string s = Element.GetString()!;
            foreach ((string text, T value) in values)
                if (text == s) return value;
        }
        var names = new string[values.Length];
        for (int i = 0; i < values.Length; i++) names[i] = "\"" + values[i].Text + "\"";
        throw Error("one of " + string.Join(", ", names));
    }

    public string Bdf()
    {
        string s = String();
        if (!RoutingIdText.TryParse(s, out ushort rid)) throw Error("a BDF like \"01:00.0\" (hex bus:device.function, device <= 1f, function <= 7)");
        return RoutingIdText.Format(rid);
    }
}
