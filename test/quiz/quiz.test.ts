import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { beforeAll, describe, expect, it } from "vitest";
import { memoryIo } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";
import { bundledProfilesDir, parseTopics } from "../../src/cli/quiz.js";
import { parseProfile } from "../../src/profile/parse.js";
import { applyChanges, lazyBase } from "../../src/quiz/bases.js";
import { bumpVersion, CHANGE_TEMPLATES, templateById } from "../../src/quiz/changes.js";
import { draftOf, draftText } from "../../src/quiz/draft.js";
import { BEHAVIOR_CHOICES, drawQuestions, makeQuestions, type Question } from "../../src/quiz/questions.js";
import { parseAnswer, renderQuestion, snippetDiff } from "../../src/quiz/render.js";
import { parseResults } from "../../src/quiz/results.js";
import { SEQUENCING_STORIES } from "../../src/quiz/sequencing.js";
import { STORY_IDS } from "../../src/quiz/stories.js";
import { planUpdate } from "../../src/rules/plan.js";
import { Rng } from "../../src/shared/rng.js";

const read = (name: string) => {
  const file = `${bundledProfilesDir()}/${name}`;
  return { file, text: readFileSync(file, "utf8") };
};
const bases = ["k3s-base.yaml", "pxk-e-base.yaml", "rke2-base.yaml"].map(read);
const base = (distribution: "k3s" | "rke2" | "pxk-e") => lazyBase(read(`${distribution}-base.yaml`))();

const key = (q: Question) => `${q.id} ${q.distribution} ${q.answer}`;

describe("the draft a change is made on", () => {
  it.each([
    ...bases.map((b) => [b.file, b.text] as const),
    ["palette export", readFileSync("test/fixtures/profiles/palette-export.yaml", "utf8")] as const,
  ])("reads back as the same profile: %s", (file, text) => {
    const original = parseProfile(text, file);
    const again = parseProfile(draftText(draftOf(original)), file);
    const plan = planUpdate(original, again);
    expect(plan.changes).toEqual([]);
    expect(plan.unsupported).toEqual([]);
    expect(again.distribution).toBe(original.distribution);
  });
});

describe("realistic changes, answered by the real planner", () => {
  // What the reference says for each change (upgrade-behavior.md), per distribution.
  it.each([
    ["os.boot-step-chrony", "k3s", "reboot"],
    ["os.boot-step-chrony", "rke2", "repave"], // known issue: RKE2 stages.* repave
    ["os.reconcile-journald", "rke2", "config-reload"], // …except stages.reconcile.*
    ["os.reconcile-logrotate", "k3s", "config-reload"],
    ["os.registry-mirror", "k3s", "repave"], // the uri is built from the registry
    ["os.custom-tag-fips", "pxk-e", "repave"],
    ["os.uri-pinned", "k3s", "repave"],
    ["os.os-version", "k3s", "no-op"], // not used by this profile's uri
    ["os.drain-timeout", "rke2", "no-op"],
    ["os.registry-robot", "k3s", "no-op"],
    ["os.preload-image", "pxk-e", "no-op"],
    ["kubernetes.admission-plugins", "k3s", "service-restart"],
    ["kubernetes.admission-plugins", "pxk-e", "service-restart"],
    ["kubernetes.kubelet-max-pods", "rke2", "service-restart"],
    ["kubernetes.oidc-issuer", "k3s", "no-op"],
    ["kubernetes.boot-step-inotify", "k3s", "reboot"],
    ["kubernetes.boot-step-inotify", "rke2", "repave"],
    ["kubernetes.patch-upgrade", "k3s", "repave"], // the uri names the kubernetes version
    ["network.pool-cidr", "k3s", "service-restart"],
    ["network.version", "rke2", "service-restart"],
    ["network.switch-cni", "k3s", "unsupported"],
    ["storage.reclaim-retain", "pxk-e", "service-restart"],
    ["storage.switch-csi", "rke2", "unsupported"],
  ] as const)("%s on %s → %s", (id, distribution, expected) => {
    const template = templateById(id);
    expect(template).toBeDefined();
    const changed = applyChanges(base(distribution), [template as never], "next");
    expect(changed).toBeDefined();
    const plan = changed?.plan;
    expect(plan && (plan.unsupported.length > 0 ? "unsupported" : plan.behavior)).toBe(expected);
  });

  it("apply to every bundled base, except where the distribution has no such setting", () => {
    const missing = CHANGE_TEMPLATES.flatMap((template) =>
      (["k3s", "rke2", "pxk-e"] as const)
        .filter((distribution) => !applyChanges(base(distribution), [template], "next"))
        .map((distribution) => `${template.id} ${distribution}`),
    );
    // PXK-E's kubeadm configuration has no K3s/RKE2 flags for these.
    expect(missing).toEqual(["kubernetes.tls-san pxk-e", "kubernetes.etcd-snapshots pxk-e"]);
  });

  it("make versions that look like releases", () => {
    expect(bumpVersion("1.30.5", "patch")).toBe("1.30.7");
    expect(bumpVersion("1.30.5", "minor")).toBe("1.31.2");
    expect(bumpVersion("v4.5.3", "minor")).toBe("v4.6.2");
    expect(bumpVersion("latest", "minor")).toBeUndefined();
  });

  it("change a profile the way an operator would: no synthetic values", async () => {
    const questions = await makeQuestions(bases, 60, {
      seed: 3,
      topics: ["os", "kubernetes", "network", "storage"],
    });
    for (const question of questions) {
      const edit = question.change;
      expect(edit).toBeDefined();
      const to = JSON.stringify(edit?.to);
      expect(to).not.toMatch(/-v2"|"changed"/);
      // the change is what the plan is about
      const paths = question.plan?.changes.map((change) => `${change.layer}:${change.path}`) ?? [];
      if (edit?.kind === "value") {
        const prefix = `${edit.layer}:${edit.path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("")}`;
        // A stage added whole is one change at the stage itself (`stages.before-upgrade`).
        expect(
          paths.some(
            (path) =>
              path.startsWith(prefix) ||
              (/^[^:]+:stages\.[^[]+$/.test(path) && prefix.startsWith(`${path}[`)),
          ),
        ).toBe(true);
      } else if (edit?.kind === "version") {
        expect(paths).toContain(`${edit.layer}:@version`);
      } else {
        expect(question.plan?.unsupported.length).toBeGreaterThan(0);
      }
    }
  });
});

describe("questions", () => {
  let questions: Question[] = [];
  beforeAll(async () => {
    questions = await makeQuestions(bases, 60, { seed: 7 });
  });

  it("are drawn deterministically for a seed", async () => {
    expect((await makeQuestions(bases, 60, { seed: 7 })).map(key)).toEqual(questions.map(key));
    expect((await makeQuestions(bases, 60, { seed: 8 })).map(key)).not.toEqual(questions.map(key));
  });

  it("take turns between topics and cover every behavior", () => {
    expect(new Set(questions.slice(0, 5).map((q) => q.topic)).size).toBe(5);
    const answers = new Set(questions.filter((q) => q.topic !== "sequencing").map((q) => q.answer));
    expect([...answers].sort()).toEqual(
      ["config-reload", "no-op", "reboot", "repave", "service-restart", "unsupported"].sort(),
    );
  });

  it("ask about one change each, with the behaviors as choices", () => {
    for (const question of questions.filter((q) => q.topic !== "sequencing")) {
      expect(question.choices).toBe(BEHAVIOR_CHOICES);
      expect(question.explanation).toMatch(/^rule /);
    }
  });

  it("--topic narrows them", async () => {
    const only = await makeQuestions(bases, 20, { seed: 1, topics: ["network", "sequencing"] });
    expect(new Set(only.map((q) => q.topic))).toEqual(new Set(["network", "sequencing"]));
  });

  it("come one at a time: a base is read when a question first needs it", async () => {
    const broken = { file: "broken-base.yaml", text: "name: [" };
    const load = lazyBase(broken);
    const questions = drawQuestions([broken], { seed: 1 });
    expect(() => load()).toThrow(/broken-base\.yaml:1:/);
    await expect(questions.next()).rejects.toThrow(/broken-base\.yaml:1:/);
  });
});

describe("sequencing questions, answered by the simulation", () => {
  it("are the stories the quiz draws from, in its order (their builders load when one is asked)", () => {
    expect(SEQUENCING_STORIES.map((story) => story.id)).toEqual([...STORY_IDS]);
  });

  // What the reference and the controller's rules say; the simulation has to agree.
  const expected: Record<string, (q: Question) => string> = {
    "sequencing.first-node": () => "cp-1",
    "sequencing.update-while-down": () => "after-up",
    "sequencing.two-updates-while-down": () => "latest",
    "sequencing.failure-halts": () => "halts",
    "sequencing.max-unavailable-control-planes": () => "1",
    "sequencing.max-unavailable-workers": (q) =>
      /maxUnavailable (\d)/.exec(q.situation.join(" "))?.[1] ?? "?",
    "sequencing.down-mid-rollout": () => "pauses",
  };
  it.each(
    SEQUENCING_STORIES.flatMap((story) =>
      (["k3s", "rke2", "pxk-e"] as const).map((d) => [story.id, d] as const),
    ),
  )("%s on %s", (id, distribution) => {
    const story = SEQUENCING_STORIES.find((s) => s.id === id);
    const question = story?.build(base(distribution), new Rng(5));
    expect(question).toBeDefined();
    const q = question as Question;
    expect(q.answer).toBe(expected[id]?.(q));
    expect(q.choices.map((c) => c.id)).toContain(q.answer);
    expect(q.explanation).toMatch(/simulat/);
  });
});

describe("answers and rendering", () => {
  const nodes = ["cp-2", "worker-1", "cp-1"].map((id) => ({ id, label: id }));
  it.each([
    ["1", BEHAVIOR_CHOICES, "repave"],
    ["service restart", BEHAVIOR_CHOICES, "service-restart"],
    ["6", BEHAVIOR_CHOICES, "unsupported"],
    ["rep", BEHAVIOR_CHOICES, "repave"],
    ["re", BEHAVIOR_CHOICES, undefined],
    ["7", BEHAVIOR_CHOICES, undefined],
    ["banana", BEHAVIOR_CHOICES, undefined],
    ["3", nodes, "cp-1"],
    ["CP-1", nodes, "cp-1"],
    ["cp-", nodes, undefined], // ambiguous
    ["work", nodes, "worker-1"],
  ] as const)("%s → %s", (input, choices, id) => {
    expect(parseAnswer(input, choices)?.id).toBe(id);
  });

  it("show a change as a diff of the value", async () => {
    expect(snippetDiff("- a\n- b", "- a\n- b\n- c")).toEqual(["  - a", "  - b", "+ - c"]);
    expect(snippetDiff(undefined, "x")).toEqual(["+ x"]);
    const template = templateById("kubernetes.admission-plugins");
    const changed = applyChanges(base("k3s"), [template as never], "next");
    const question = (
      await makeQuestions([read("k3s-base.yaml")], 40, { seed: 2, topics: ["kubernetes"] })
    ).find((q) => q.id === "kubernetes.admission-plugins");
    expect(changed && question).toBeTruthy();
    const text = renderQuestion(question as Question, 0, 3);
    expect(text).toContain("Question 1 of 3 · kubernetes");
    expect(text).toContain("kubernetes layer, cluster.config.kube-apiserver-arg");
    expect(text).toContain("+ - enable-admission-plugins=NodeRestriction,PodSecurity");
    expect(text).toContain("  - profiling=false");
    expect(text.endsWith("> ")).toBe(true);
    for (const line of text.split("\n").slice(0, -1)) expect(line).not.toMatch(/\s$/);
  });
});

describe("edgesim quiz", () => {
  const quiz = async (args: string[], answers: string[], cwd = process.cwd()) => {
    const io = memoryIo(cwd, Readable.from(answers.map((a) => `${a}\n`)));
    const code = await main(["quiz", ...args], io);
    return { code, io };
  };

  it("asks, checks each answer and prints the score per topic", async () => {
    const [first, second] = await makeQuestions(bases, 2, { seed: 3 });
    const right = first?.answer ?? "";
    const wrong = second?.choices.find((c) => c.id !== second.answer)?.id ?? "";
    const { code, io } = await quiz(["--count", "2", "--seed", "3"], ["nonsense", right, wrong]);
    expect(code).toBe(0);
    expect(io.out).toContain("Question 1 of 2");
    expect(io.out).toContain("Answer 1-");
    expect(io.out).toContain("✓ Correct:");
    expect(io.out).toContain("✗ Not ");
    expect(io.out).toMatch(/Score: 1\/2; /);
  });

  it("stops cleanly when input ends, and reports bad options", async () => {
    const { code, io } = await quiz(["--count", "3", "--seed", "1"], []);
    expect(code).toBe(0);
    expect(io.out).toContain("Score: 0/0 (stopped after 0 of 3)");
    const bad = await quiz(["--count", "zero"], []);
    expect(bad.code).toBe(1);
    expect(bad.io.err).toContain("--count");
    const topic = await quiz(["--topic", "os,dns"], []);
    expect(topic.code).toBe(1);
    expect(topic.io.err).toBe(
      'error: --topic: unknown topic "dns"; topics are os, kubernetes, network, storage, sequencing\n',
    );
    expect(parseTopics(" OS, sequencing,os")).toEqual(["os", "sequencing"]);
  });

  it("--topic sequencing asks only sequencing questions", async () => {
    const { code, io } = await quiz(["--count", "2", "--seed", "9", "--topic", "sequencing"], ["1", "1"]);
    expect(code).toBe(0);
    expect(io.out.match(/· sequencing/g)).toHaveLength(2);
    expect(io.out).not.toContain("· os");
  });

  it("--results keeps every attempt, per operator, and --scores sums them up", async () => {
    const dir = mkdtempSync(join(tmpdir(), "edgesim-quiz-"));
    const [q1, q2] = await makeQuestions(bases, 2, { seed: 4 });
    await quiz(
      ["--count", "2", "--seed", "4", "--results", "team.json", "--operator", "ana"],
      [q1?.answer ?? "", q2?.answer ?? ""],
      dir,
    );
    const second = await quiz(
      ["--count", "2", "--seed", "4", "--results", "team.json", "--operator", "bo"],
      ["1"],
      dir,
    );
    expect(second.io.out).toContain("Recorded for bo in team.json.");
    const results = parseResults(readFileSync(join(dir, "team.json"), "utf8"), "team.json");
    expect(results.attempts.map((a) => [a.operator, a.score, a.asked, a.count])).toEqual([
      ["ana", 2, 2, 2],
      ["bo", q1?.answer === "repave" ? 1 : 0, 1, 2],
    ]);
    expect(results.attempts[0]?.answers[0]).toMatchObject({
      question: q1?.id,
      topic: q1?.topic,
      right: true,
    });
    const scores = await quiz(["--results", "team.json", "--scores"], [], dir);
    expect(scores.code).toBe(0);
    const [header, ana, bo] = scores.io.out.trimEnd().split("\n");
    expect(header).toMatch(
      /^operator\s+attempts\s+last\s+best\s+os\s+kubernetes\s+network\s+storage\s+sequencing$/,
    );
    expect(ana).toMatch(/^ana\s+1\s+2\/2\s+2\/2\s/);
    expect(bo).toMatch(/^bo\s+1\s+[01]\/1\s/);
  });

  it("refuses a results file that is not one, before asking anything, and leaves it alone", async () => {
    const dir = mkdtempSync(join(tmpdir(), "edgesim-quiz-"));
    writeFileSync(
      join(dir, "notes.json"),
      '{\n  "kind": "edgesim-quiz-results",\n  "version": 1,\n  "attempts": [}\n',
    );
    const { code, io } = await quiz(["--results", "notes.json"], ["1"], dir);
    expect(code).toBe(1);
    expect(io.out).toBe("");
    expect(io.err).toMatch(
      /^error: notes\.json:4:\d+: not a JSON file of quiz results \(unexpected token '}'\)\n$/,
    );
    writeFileSync(join(dir, "other.json"), '{"name": "x"}\n');
    const other = await quiz(["--results", "other.json"], ["1"], dir);
    expect(other.code).toBe(1);
    expect(other.io.err).toContain("other.json: kind: is not an edgesim quiz results file");
    expect(readFileSync(join(dir, "other.json"), "utf8")).toBe('{"name": "x"}\n');
  });
});
