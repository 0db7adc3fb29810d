namespace OrleansAgents.Web.Auth;

/// <summary>API keys and who they belong to. Section <c>Auth</c>; e.g. <c>Auth__Keys__0__Key</c>.</summary>
public sealed class ApiKeyOptions
{
    public const string SectionName = "Auth";

    public List<ApiKey> Keys { get; set; } = [];
}

/// <summary>One key: its owner, and whether it is an operator (sees every run, opens the dashboard).</summary>
public sealed class ApiKey
{
    public string Key { get; set; } = "";
    public string Owner { get; set; } = "";
    public string? Role { get; set; }
}
