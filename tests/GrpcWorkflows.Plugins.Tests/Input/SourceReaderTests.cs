using GrpcWorkflows.Executor;
using GrpcWorkflows.Plugins.Input.Sources;

namespace GrpcWorkflows.Plugins.Tests.Input;

public sealed class SourceReaderTests
{
    [Fact]
    public void ReadCsv_QuotedFieldsWithNewlinesAndQuotes_ParsedPerRfc4180()
    {
        var items = SourceReader.ReadCsv("name,text\nA,\"line1\nline2\"\nB,\"say \"\"hi\"\"\"\n");

        Assert.Equal(2, items.Count);
        Assert.Equal("line1\nline2", items[0]!["text"]!.GetValue<string>());
        Assert.Equal("say \"hi\"", items[1]!["text"]!.GetValue<string>());
    }

    [Fact]
    public void ReadCsv_HeaderOnly_NoItems()
    {
        Assert.Empty(SourceReader.ReadCsv("a,b\n"));
    }

    [Fact]
    public void ReadCsv_RowWithWrongColumnCount_NamesTheRow()
    {
        var ex = Assert.Throws<StepFailedException>(() => SourceReader.ReadCsv("a,b\n1,2\n3\n"));

        Assert.Equal("INVALID_ARGUMENT", ex.Code);
        Assert.Contains("row 3", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadCsv_NumbersWithSpacesOrLeadingText_StayStrings()
    {
        var items = SourceReader.ReadCsv("a,b,c,d\n 1,1e3,-2.5,0x10\n");

        Assert.Equal("""[{"a":" 1","b":1000,"c":-2.5,"d":"0x10"}]""", items.ToJsonString());
    }

    [Fact]
    public void ReadCsv_DuplicateHeader_Refused()
    {
        Assert.Throws<StepFailedException>(() => SourceReader.ReadCsv("a,a\n1,2\n"));
    }
}
