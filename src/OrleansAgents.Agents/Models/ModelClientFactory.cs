using System.ClientModel;
using System.ClientModel.Primitives;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using OpenAI;
using OrleansAgents.Models.Offline;

namespace OrleansAgents.Models;

/// <summary>The <see cref="IChatClient"/> agents use: an OpenAI-compatible endpoint, or the offline model.</summary>
public sealed class ModelClientFactory(IOptions<ModelOptions> options, IEnumerable<IOfflinePlaybook> playbooks, TimeProvider time)
{
    public IChatClient Create()
    {
        var settings = options.Value;
        if (!settings.IsOnline)
        {
            return new OfflineChatClient(playbooks, settings.OfflineLatency, time, settings.OfflineCancellationLog);
        }

        var client = new OpenAIClient(new ApiKeyCredential(settings.ApiKey is { Length: > 0 } key ? key : "none"), new OpenAIClientOptions
        {
            Endpoint = new Uri(settings.Endpoint!),
            // The run grain retries and times out each attempt itself, and records every attempt in the journal.
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            NetworkTimeout = Timeout.InfiniteTimeSpan,
        });
        return client.GetChatClient(settings.Name).AsIChatClient();
    }
}
