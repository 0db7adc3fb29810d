using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using OrleansAgents.Models.Offline;

namespace OrleansAgents.Agents.VoiceAgentBuilder;

/// <summary>
/// How the offline model designs a voice agent: list the documents, hand each to <c>document-analyst</c> (one child
/// run per document, in parallel, with <c>delegate_tasks</c>) and read itself the ones whose analysis failed, inspect
/// the live configuration, write a plan, draft the configuration, validate it, fix what validation reports,
/// publish (with approval), notify the team, report. Every decision is taken from the tool results
/// in the conversation, so the run reacts to real data (a failed validation is fixed from its errors).
/// </summary>
public sealed partial class VoiceAgentBuilderPlaybook : IOfflinePlaybook
{
    private const int MaxValidations = 3;
    private const string DelegateTool = Chat.ChatAgent.DelegateTool;
    private const string Analyst = DocumentAnalyst.DocumentAnalystAgent.AgentName;

    public bool Handles(IReadOnlyCollection<string> toolNames) =>
        toolNames.Contains("list_documents") && toolNames.Contains("validate_configuration");

    public OfflineTurn Next(OfflineConversation conversation)
    {
        if (conversation.Last("list_documents") is not { } listed)
        {
            return Call("I'll start with the documents you provided, then compare them with the configuration that is live today.",
                "list_documents", []);
        }

        var names = Parse(listed.Result)?["documents"]?.AsArray().Select(d => d!["name"]!.GetValue<string>()).ToList() ?? [];
        if (conversation.Last(DelegateTool) is not { } delegated)
        {
            return Call(
                $"There {(names.Count == 1 ? "is 1 document" : $"are {names.Count} documents")}: {string.Join(", ", names)}. " +
                $"Handing {(names.Count == 1 ? "it" : "each one")} to {Analyst} to pull out the facts, {(names.Count == 1 ? "now" : "all at once")}.",
                DelegateTool, new JsonObject
                {
                    ["tasks"] = new JsonArray([.. names.Select(n => (JsonNode)new JsonObject
                    {
                        ["agent"] = Analyst,
                        ["task"] = $"Read {n} and quote every fact a phone receptionist needs: opening hours, services, booking and cancellation rules, when to hand over to a person, and phone numbers.",
                    })]),
                });
        }

        // Each document's facts: its analyst's answer, or (where the analysis failed) the document as read here.
        var analyses = Analyses(delegated, names, out var failures);
        var reads = conversation.Calls("read_document")
            .Select(c => Parse(c.Result)).OfType<JsonObject>()
            .Where(r => r["content"] is not null)
            .ToDictionary(r => r["name"]!.GetValue<string>(), r => r["content"]!.GetValue<string>());
        var tried = conversation.Calls("read_document").Select(c => Arg(c, "name")?.GetValue<string>()).ToHashSet();
        var unread = names.Where(n => !analyses.ContainsKey(n) && !tried.Contains(n)).ToList();
        if (unread.Count > 0)
        {
            return new OfflineTurn(
                $"{failures} So I am reading {(unread.Count == names.Count ? "the documents" : string.Join(", ", unread))} myself.",
                [.. unread.Select(n => new OfflineToolCall("read_document", new JsonObject { ["name"] = n }))]);
        }

        var facts = ClinicFacts.From(names
            .Select(n => (n, analyses.GetValueOrDefault(n) ?? reads.GetValueOrDefault(n)))
            .Where(d => d.Item2 is not null)
            .Select(d => (d.n, d.Item2!)));
        if (conversation.Last("get_current_configuration") is not { } currentCall)
        {
            return Call($"The {(analyses.Count > 0 ? "analyses" : "documents")} describe {facts.Clinic}: {facts.Hours.Count} opening-hours rules, {facts.Triggers.Count} escalation rules and the booking policy. Now the live configuration.",
                "get_current_configuration", []);
        }

        var current = Parse(currentCall.Result) as JsonObject ?? [];
        if (conversation.Last("write_plan") is null)
        {
            var steps = Plan(current, facts);
            return Call($"The live configuration is out of date in {steps.Count - 2} ways. My plan:\n- {string.Join("\n- ", steps)}",
                "write_plan", new JsonObject { ["title"] = $"Voice agent for {facts.Clinic}", ["steps"] = new JsonArray([.. steps.Select(s => (JsonNode)s)]) });
        }

        var validations = conversation.Calls("validate_configuration").ToList();
        if (validations.Count == 0)
        {
            var draft = Draft(current, facts, conversation);
            return Call("Drafting the configuration from the live one and the documents, then validating it against the schema.",
                "validate_configuration", new JsonObject { ["configuration"] = draft });
        }

        var last = validations[^1];
        var verdict = Parse(last.Result) as JsonObject;
        var configuration = Arg(last, "configuration")?.AsObject() ?? [];
        if (verdict?["valid"]?.GetValue<bool>() != true)
        {
            var errors = verdict?["errors"]?.AsArray() ?? (verdict?["error"] is { } e ? [new JsonObject { ["path"] = "", ["keyword"] = "", ["message"] = e.GetValue<string>() }] : []);
            var described = string.Join("; ", errors.Select(x => $"{Where(x!["path"]?.GetValue<string>())}: {x!["message"]?.GetValue<string>()}"));
            if (validations.Count >= MaxValidations)
            {
                return OfflineTurn.Answer($"I could not produce a configuration that passes validation after {MaxValidations} attempts. What still fails: {described}. Nothing was published.");
            }

            var fixedConfiguration = Fix(configuration, errors, facts);
            return Call($"Validation found {errors.Count} problem{(errors.Count == 1 ? "" : "s")}: {described}. Fixing {(errors.Count == 1 ? "it" : "them")} and validating again.",
                "validate_configuration", new JsonObject { ["configuration"] = fixedConfiguration });
        }

        if (conversation.Last("publish_configuration") is not { } publishCall)
        {
            return Call($"The configuration passes validation{(validations.Count > 1 ? $" on attempt {validations.Count}" : "")}. Publishing changes what callers hear, so it waits for your approval.",
                "publish_configuration", new JsonObject { ["configuration"] = configuration.DeepClone(), ["summary"] = Summary(current, configuration) });
        }

        var published = Parse(publishCall.Result) as JsonObject;
        if (published?["rejected"]?.GetValue<bool>() == true)
        {
            return OfflineTurn.Answer($"I did not publish the configuration: you rejected it ({published["reason"]?.GetValue<string>() ?? "no reason given"}). The validated configuration is in this run's output, ready for another try.");
        }

        if (published?["published"]?.GetValue<bool>() != true)
        {
            return OfflineTurn.Answer($"Publishing failed: {published?["error"]?.GetValue<string>() ?? "no result"}. The validated configuration is in this run's output.");
        }

        if (conversation.Last("notify_team") is not { } notifyCall)
        {
            return Call("Published. Letting the team know.", "notify_team", new JsonObject
            {
                ["channel"] = "#voice-agents",
                ["message"] = $"{configuration["name"]?.GetValue<string>()} is live: {Summary(current, configuration)}",
            });
        }

        if (Revision(conversation, configuration, current) is { } revision)
        {
            return revision;
        }

        var notified = Parse(notifyCall.Result) as JsonObject;
        var note = notified?["sent"]?.GetValue<bool>() == true ? "The team was told in #voice-agents."
            : notified?["rejected"]?.GetValue<bool>() == true ? "The team notification was skipped."
            : "The team notification did not go out; tell them yourself.";
        var steer = conversation.Steer.Count == 0 ? "" : $" I took your notes into account: \"{string.Join("\"; \"", conversation.Steer)}\".";
        return OfflineTurn.Answer(
            $"Done. '{configuration["name"]?.GetValue<string>()}' is published ({published["publicationId"]?.GetValue<string>()}). " +
            $"Changes: {Summary(current, configuration)} Validation passed on attempt {validations.Count} of {MaxValidations}. {note}{steer}");
    }

    /// <summary>
    /// A request that asks for revision rounds ("Revision rounds: N.") gets N-1 more after the first publication:
    /// each adds a refinement to the prompt's instructions, validates, publishes (with approval) and tells the team.
    /// Null once every round is done (or none was asked for).
    /// </summary>
    private static OfflineTurn? Revision(OfflineConversation conversation, JsonObject configuration, JsonObject current)
    {
        var asked = RoundsPattern().Match(conversation.Request) is { Success: true } match ? int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 1;
        var done = conversation.Calls("notify_team").Count();
        var since = conversation.Tools.Skip(conversation.Tools.ToList().FindLastIndex(t => t.Name == "notify_team") + 1).ToList();
        var round = done + 1;
        if (since.Count == 0 && done >= asked)
        {
            return null;
        }

        if (since.FirstOrDefault(t => t.Name == "validate_configuration") is null)
        {
            var revised = configuration.DeepClone().AsObject();
            revised["prompt"]!["instructions"]!.AsArray().Add($"Revision {round}: confirm the caller's name and number before ending the call.");
            return Call($"Revision round {round} of {asked}: refining the instructions and validating again.", "validate_configuration", new JsonObject { ["configuration"] = revised });
        }

        if (since.FirstOrDefault(t => t.Name == "publish_configuration") is not { } publish)
        {
            return Call($"Revision {round} passes validation; publishing it waits for your approval.",
                "publish_configuration", new JsonObject { ["configuration"] = configuration.DeepClone(), ["summary"] = $"Revision {round}: {Summary(current, configuration)}" });
        }

        if (Parse(publish.Result) is JsonObject published && published["published"]?.GetValue<bool>() != true)
        {
            return OfflineTurn.Answer($"Revision {round} was not published ({published["reason"]?.GetValue<string>() ?? published["error"]?.GetValue<string>() ?? "no result"}); the earlier publication stands.");
        }

        return since.Any(t => t.Name == "notify_team")
            ? null
            : Call($"Revision {round} is live. Letting the team know.", "notify_team", new JsonObject
            {
                ["channel"] = "#voice-agents",
                ["message"] = $"{configuration["name"]?.GetValue<string>()} revision {round} is live.",
            });
    }

    /// <summary>
    /// The analysts' answers by document (child i did the task for document i), and a sentence on the ones that failed:
    /// a child that failed or was cancelled, or a refused call (its error), which leaves every document unanalysed.
    /// </summary>
    private static Dictionary<string, string> Analyses(ToolOutcome delegated, List<string> names, out string failures)
    {
        var analyses = new Dictionary<string, string>(StringComparer.Ordinal);
        var result = Parse(delegated.Result) as JsonObject;
        if (result?["children"] is not JsonArray children)
        {
            failures = $"Handing the documents over did not work ({result?["error"]?.GetValue<string>() ?? "no result"}).";
            return analyses;
        }

        var failed = new List<string>();
        for (var i = 0; i < children.Count && i < names.Count; i++)
        {
            var child = children[i]!;
            if (child["status"]?.GetValue<string>() == "succeeded" && child["result"]?["text"]?.GetValue<string>() is { } text)
            {
                analyses[names[i]] = text;
            }
            else
            {
                failed.Add($"{names[i]} ({child["status"]?.GetValue<string>()}: {child["error"]?.GetValue<string>() ?? "no answer"})");
            }
        }

        failures = $"The analysis of {string.Join(", ", failed)} did not come back.";
        return analyses;
    }

    private static List<string> Plan(JsonObject current, ClinicFacts facts)
    {
        var steps = new List<string> { "Keep the live voice, language and call limits unless the schema refuses them" };
        steps.Add($"Update opening hours to the documents' {facts.Hours.Count} rules");
        steps.Add("Add intents: opening hours, booking (collecting " + string.Join(", ", facts.BookingFields) + "), emergencies, talking to a person");
        steps.Add(current["escalation"] is null ? "Add escalation to the front desk, with the complaints line" : "Check the escalation numbers");
        steps.Add("Add the clinic's facts as knowledge, one entry per document");
        steps.Add("Validate against the schema, fix what fails, then publish with approval and tell the team");
        return steps;
    }

    private static JsonObject Draft(JsonObject current, ClinicFacts facts, OfflineConversation conversation)
    {
        var instructions = new JsonArray();
        foreach (var rule in facts.Rules)
        {
            instructions.Add(rule);
        }

        foreach (var existing in current["prompt"]?["instructions"]?.AsArray() ?? [])
        {
            instructions.Add(existing!.GetValue<string>());
        }

        var prompt = new JsonObject
        {
            ["role"] = $"You answer the phone for {facts.Clinic}. You help callers with opening hours, bookings and emergencies, and hand over to a person when needed.",
            ["instructions"] = instructions,
        };
        if (conversation.Steer.Count > 0)
        {
            prompt["additionalInstructions"] = new JsonArray([.. conversation.Steer.Select(s => (JsonNode)s)]);
        }

        var draft = new JsonObject
        {
            ["name"] = $"{facts.Clinic} receptionist",
            ["language"] = current["language"]?.DeepClone() ?? "en-GB",
            // Carried over from the live configuration as it is; validation tells whether it still holds.
            ["voice"] = current["voice"]?.DeepClone() ?? new JsonObject { ["provider"] = "builtin", ["voiceId"] = "verity", ["speakingRate"] = 1.0 },
            ["greeting"] = $"Thank you for calling {facts.Clinic}. How can I help you today?",
            ["prompt"] = prompt,
            ["businessHours"] = facts.Hours.Count > 0 ? new JsonArray([.. facts.Hours.Select(h => (JsonNode)h.DeepClone())]) : current["businessHours"]?.DeepClone(),
            ["intents"] = new JsonArray
            {
                Intent("opening_hours", "The caller asks when the clinic is open.", "answer"),
                Intent("book_appointment", "The caller wants to book, move or cancel an appointment.", "collect", facts.BookingFields),
                Intent("emergency", "The caller has severe pain, swelling or a broken tooth.", "answer"),
                Intent("talk_to_person", "The caller asks for a person, complains, or asks about a bill.", "transfer", phone: facts.FrontDesk),
            },
            ["knowledge"] = new JsonArray([.. facts.Knowledge.Select(k => (JsonNode)new JsonObject
            {
                ["source"] = k.Source,
                ["facts"] = new JsonArray([.. k.Facts.Select(f => (JsonNode)f)]),
            })]),
            ["limits"] = current["limits"]?.DeepClone() ?? new JsonObject { ["maxCallMinutes"] = 10 },
        };
        if (current["escalation"] is { } escalation)
        {
            draft["escalation"] = escalation.DeepClone();
        }

        return draft;
    }

    /// <summary>Repairs what validation reported, error by error.</summary>
    private static JsonObject Fix(JsonObject configuration, JsonArray errors, ClinicFacts facts)
    {
        var fixedConfiguration = configuration.DeepClone().AsObject();
        foreach (var error in errors)
        {
            var path = error!["path"]?.GetValue<string>() ?? "";
            var keyword = error["keyword"]?.GetValue<string>() ?? "";
            var message = error["message"]?.GetValue<string>() ?? "";
            switch (keyword)
            {
                case "maximum" or "minimum" when path.EndsWith("/speakingRate", StringComparison.Ordinal):
                    Set(fixedConfiguration, path, 1.0);
                    break;
                case "maximum" or "minimum" when NumberIn(message) is { } bound:
                    Set(fixedConfiguration, path, bound);
                    break;
                case "required":
                    foreach (var missing in MissingProperties(message))
                    {
                        if (Default(missing, facts) is { } value && Find(fixedConfiguration, path) is JsonObject owner)
                        {
                            owner[missing] = value;
                        }
                    }

                    break;
                case "additionalProperties" or "false":
                    Remove(fixedConfiguration, path);
                    break;
            }
        }

        return fixedConfiguration;
    }

    private static JsonNode? Default(string property, ClinicFacts facts) => property switch
    {
        "escalation" when facts.FrontDesk is not null => Escalation(facts),
        "limits" => new JsonObject { ["maxCallMinutes"] = 10 },
        "greeting" => $"Thank you for calling {facts.Clinic}. How can I help you today?",
        _ => null,
    };

    private static JsonObject Escalation(ClinicFacts facts)
    {
        var escalation = new JsonObject
        {
            ["phone"] = facts.FrontDesk,
            ["when"] = new JsonArray([.. (facts.Triggers.Count > 0 ? facts.Triggers : ["the caller asks for a person"]).Select(t => (JsonNode)t)]),
        };
        if (facts.Complaints is not null)
        {
            escalation["complaintsPhone"] = facts.Complaints;
        }

        return escalation;
    }

    private static string Summary(JsonObject current, JsonObject configuration)
    {
        var parts = new List<string>();
        var hours = configuration["businessHours"]?.AsArray().Select(h => $"{string.Join("/", h!["days"]!.AsArray().Select(d => d!.GetValue<string>()))} {h["open"]}–{h["close"]}");
        if (hours is not null)
        {
            parts.Add($"hours {string.Join(", ", hours)}");
        }

        parts.Add($"{configuration["intents"]?.AsArray().Count ?? 0} intents");
        if (current["escalation"] is null && configuration["escalation"] is not null)
        {
            parts.Add($"escalation to {configuration["escalation"]!["phone"]}");
        }

        var before = current["voice"]?["speakingRate"]?.GetValue<double>();
        var after = configuration["voice"]?["speakingRate"]?.GetValue<double>();
        if (before is not null && after is not null && before != after)
        {
            parts.Add($"speaking rate {before} → {after}");
        }

        return string.Join("; ", parts) + ".";
    }

    private static JsonObject Intent(string name, string description, string action, IReadOnlyList<string>? fields = null, string? phone = null)
    {
        var act = new JsonObject { ["type"] = action };
        if (fields is { Count: > 0 })
        {
            act["fields"] = new JsonArray([.. fields.Select(f => (JsonNode)f)]);
        }

        if (phone is not null)
        {
            act["phone"] = phone;
        }

        return new JsonObject { ["name"] = name, ["description"] = description, ["action"] = act };
    }

    private static OfflineTurn Call(string text, string tool, JsonObject arguments) => new(text, [new OfflineToolCall(tool, arguments)]);

    private static JsonNode? Arg(ToolOutcome call, string name) =>
        call.Arguments.TryGetValue(name, out var value) && value is not null
            ? JsonNode.Parse(value is JsonElement e ? e.GetRawText() : JsonSerializer.Serialize(value))
            : null;

    private static JsonNode? Parse(string json)
    {
        try
        {
            return JsonNode.Parse(json);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Where(string? path) => string.IsNullOrEmpty(path) ? "the configuration" : path;

    private static double? NumberIn(string message) =>
        NumberPattern().Match(message) is { Success: true } m ? double.Parse(m.Value, System.Globalization.CultureInfo.InvariantCulture) : null;

    private static IEnumerable<string> MissingProperties(string message) =>
        QuotedPattern().Matches(message).Select(m => m.Groups[1].Value);

    private static JsonNode? Find(JsonObject root, string pointer)
    {
        JsonNode? node = root;
        foreach (var segment in pointer.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            node = node switch
            {
                JsonObject o => o[segment],
                JsonArray a when int.TryParse(segment, out var i) && i < a.Count => a[i],
                _ => null,
            };
        }

        return node;
    }

    private static void Set(JsonObject root, string pointer, double value)
    {
        var cut = pointer.LastIndexOf('/');
        if (cut >= 0 && Find(root, pointer[..cut]) is JsonObject owner)
        {
            owner[pointer[(cut + 1)..]] = value;
        }
    }

    private static void Remove(JsonObject root, string pointer)
    {
        var cut = pointer.LastIndexOf('/');
        if (cut >= 0 && Find(root, pointer[..cut]) is JsonObject owner)
        {
            owner.Remove(pointer[(cut + 1)..]);
        }
    }

    [GeneratedRegex(@"Revision rounds: (\d+)\.")]
    private static partial Regex RoundsPattern();

    [GeneratedRegex(@"-?\d+(\.\d+)?")]
    private static partial Regex NumberPattern();

    [GeneratedRegex("\"([A-Za-z0-9_]+)\"")]
    private static partial Regex QuotedPattern();
}
