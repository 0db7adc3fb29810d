using System.Text;

namespace OrleansAgents.Web.Tests;

/// <summary>Seeded request bodies broken at random: valid bodies of the runs API with characters cut, added and repeated.</summary>
internal static class BrokenBodies
{
    private const string Alphabet = "{}[]\",: \t\nnulltruefalse0123456789.-eE+agentkindinputrunIdmessage\u00e9\\";

    private static readonly string[] Seeds =
    [
        """{"agent":"no-such-agent","input":{"steps":1,"text":"h\u00e9","list":[1,2.5,null,true]},"runId":"r-1"}""",
        """{"kind":"message","message":"use the blue theme","comment":"ok","reason":null}""",
        """{"kind":"approve","comment":"fine"}""",
    ];

    public static IEnumerable<string> Generate(int seed, int count)
    {
        var random = new Random(seed);
        for (var i = 0; i < count; i++)
        {
            var text = new StringBuilder(Seeds[i % Seeds.Length]);
            for (var edits = random.Next(1, 6); edits > 0; edits--)
            {
                var at = random.Next(text.Length + 1);
                switch (random.Next(3))
                {
                    case 0 when at < text.Length:
                        text.Remove(at, Math.Min(random.Next(1, 8), text.Length - at));
                        break;
                    case 1:
                        text.Insert(at, Alphabet[random.Next(Alphabet.Length)]);
                        break;
                    default:
                        var from = random.Next(text.Length);
                        text.Insert(at, text.ToString(from, Math.Min(random.Next(1, 12), text.Length - from)));
                        break;
                }
            }

            yield return text.ToString();
        }
    }
}
