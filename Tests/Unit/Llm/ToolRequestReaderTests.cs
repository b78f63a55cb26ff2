using System.Text.Json;
using Api.Llm;
using Api.OpenAi;

namespace Tests.Unit.Llm;

public sealed class ToolRequestReaderTests
{
    private static (IReadOnlyList<ToolDefinition>? Tools, ToolChoice Choice, Api.Errors.ApiError? Error) Read(string tools, string? choice = null) =>
        ToolRequestReader.Read(JsonDocument.Parse(tools).RootElement, choice is null ? default : JsonDocument.Parse(choice).RootElement);

    [Fact]
    public void Read_AFunctionWithASchema_IsSentAsACleanFunctionTool()
    {
        var (tools, choice, error) = Read("""[{"type":"function","function":{"name":"get_weather","description":"d","strict":true,"parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}]""", "\"required\"");

        Assert.Null(error);
        Assert.Equal(ToolChoiceMode.Required, choice.Mode);
        var sent = JsonDocument.Parse(Assert.Single(tools!).Json).RootElement;
        Assert.Equal("get_weather", sent.GetProperty("function").GetProperty("name").GetString());
        Assert.False(sent.GetProperty("function").TryGetProperty("strict", out _));
        Assert.Equal("object", sent.GetProperty("function").GetProperty("parameters").GetProperty("type").GetString());
    }

    [Theory]
    [InlineData("""[{"type":"function","function":{"name":"f","parameters":[]}}]""", "invalid_tool_schema")]
    [InlineData("""[{"type":"function","function":{"name":"has space"}}]""", "invalid_value")]
    [InlineData("""[{"type":"function","function":{"name":"f"}},{"type":"function","function":{"name":"f"}}]""", "invalid_value")]
    [InlineData("""[{"type":"code_interpreter"}]""", "invalid_value")]
    [InlineData("""{"type":"function"}""", "invalid_value")]
    public void Read_WhatNoModelCouldUse_IsRefusedWithItsCode(string tools, string code) => Assert.Equal(code, Read(tools).Error?.Code);

    /// <summary>
    /// Parameters that are an object but not a valid JSON Schema pass the reader (which runs before the request is
    /// counted) and are refused by the meta-schema check the pipeline runs after counting it (ToolSchemaStep).
    /// </summary>
    [Theory]
    [InlineData("""{"type":"objekt"}""")]
    [InlineData("""{"properties":{"a":5}}""")]
    [InlineData("""{"required":"a"}""")]
    public void Read_AnInvalidSchemaObject_IsLeftToTheMetaSchemaCheck(string parameters)
    {
        var (tools, _, error) = Read("""[{"type":"function","function":{"name":"f","parameters":""" + parameters + "}}]");

        Assert.Null(error);
        Assert.NotNull(ToolSchemas.Problem(JsonDocument.Parse(Assert.Single(tools!).Json).RootElement.GetProperty("function").GetProperty("parameters")));
    }

    [Theory]
    [InlineData("\"sometimes\"")]
    [InlineData("""{"type":"function","function":{"name":"missing"}}""")]
    public void Read_AChoiceNamingNoTool_IsRefused(string choice) => Assert.Equal("invalid_value", Read("""[{"type":"function","function":{"name":"f"}}]""", choice).Error?.Code);
}
