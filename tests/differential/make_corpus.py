"""Writes the differential corpus (run once; the cases are committed): 40 manifests as teams
write them, each case a directory with `.contextcore.yaml`, `args` (export options, one per
line) and, where the case has them, a task mapping, service metadata and a scan directory.

Each case is composed from its own seed: which blocks a team writes, how many targets of which
kinds, which ids differ from the name. Nothing is a one-field mutation of another case.
Run: python3 tests/differential/make_corpus.py"""
import json, os, random, shutil

here = os.path.dirname(os.path.abspath(__file__))
cases_dir = os.path.join(here, "cases")

DOMAINS = [
    ("payments-gateway", "payments"), ("ledger", "finance"), ("search-api", "discovery"),
    ("inventory-sync", "supply"), ("notification-hub", "messaging"), ("auth-service", "identity"),
    ("recommendations", "ml"), ("order-router", "commerce"), ("pricing-engine", "commerce"),
    ("media-transcoder", "media"), ("billing-batch", "finance"), ("user-profile", "identity"),
    ("shipping-quotes", "logistics"), ("fraud-scoring", "risk"), ("catalog-importer", "supply"),
    ("chat-gateway", "messaging"), ("report-builder", "analytics"), ("feature-flags", "platform"),
    ("session-store", "platform"), ("geo-lookup", "maps"), ("tax-calculator", "finance"),
    ("webhook-relay", "integrations"), ("image-resizer", "media"), ("audit-trail", "compliance"),
    ("loyalty-points", "commerce"), ("kyc-checks", "compliance"), ("metrics-ingest", "observability"),
    ("doc-renderer", "docs"), ("cart", "commerce"), ("email-sender", "messaging"),
    ("quota-manager", "platform"), ("booking-api", "travel"), ("sensor-collector", "iot"),
    ("ledger-reconciler", "finance"), ("content-moderation", "trust"), ("ads-bidder", "ads"),
    ("warehouse-picker", "logistics"), ("translation-api", "i18n"), ("storefront-bff", "web"),
    ("backup-orchestrator", "platform"),
]
KINDS = ["Deployment", "Deployment", "Deployment", "StatefulSet", "DaemonSet", "Service",
         "CronJob", "Job", "Ingress"]
SUFFIXES = ["api", "worker", "consumer", "scheduler", "gateway", "db", "cache", "cron",
            "grpc", "web", "indexer", "exporter"]
RISK_TYPES = ["security", "compliance", "data-integrity", "availability", "financial",
              "reputational"]
CRIT = ["critical", "high", "medium", "low"]
VALUES = ["revenue-primary", "revenue-secondary", "cost-reduction", "compliance", "enabler",
          "internal"]
PROTOCOLS = ["http", "grpc", "grpc-web"]


def quote(v):
    return json.dumps(v) if isinstance(v, str) else json.dumps(v)


def dump(value, indent=0):
    """A small YAML writer (block style, strings JSON-quoted where YAML would misread them)."""
    pad = "  " * indent
    out = []
    if isinstance(value, dict):
        if not value:
            return pad + "{}\n"
        for k, v in value.items():
            if isinstance(v, (dict, list)) and v:
                out.append(f"{pad}{k}:\n{dump(v, indent + 1)}")
            elif isinstance(v, (dict, list)):
                out.append(f"{pad}{k}: {'{}' if isinstance(v, dict) else '[]'}\n")
            else:
                out.append(f"{pad}{k}: {scalar(v)}\n")
    else:
        for v in value:
            if isinstance(v, dict) and v:
                first, *rest = dump(v, indent + 1).splitlines(True)
                out.append(f"{pad}- {first.lstrip()}" + "".join(rest))
            else:
                out.append(f"{pad}- {scalar(v)}\n")
    return "".join(out)


def scalar(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "null"
    if isinstance(v, (int, float)):
        return str(v)
    plain = v and all(c.isalnum() or c in "-_ ./" for c in v) and not v[0].isdigit() \
        and v not in ("true", "false", "null", "yes", "no", "on", "off")
    return v if plain else json.dumps(v)


def case(n, name, area):
    r = random.Random(1000 + n)
    m = {"apiVersion": "contextcore.io/v1alpha2", "kind": "ContextManifest"}
    meta = {"name": name}
    if r.random() < 0.8:
        meta["owners"] = [{"team": f"{area}-team", **({"slack": f"#{area}-oncall"} if r.random() < .7 else {}),
                           **({"email": f"{area}@example.com"} if r.random() < .5 else {}),
                           **({"oncall": f"{area}-primary"} if r.random() < .5 else {})}]
        if r.random() < 0.3:
            meta["owners"].append({"team": "sre-core", "slack": "#sre"})
    if r.random() < 0.6:
        meta["changelog"] = [{"date": f"2026-0{r.randint(1, 9)}-1{r.randint(0, 9)}", "version": f"1.{i}",
                              **({"actor": "human:owner"} if r.random() < .6 else {}),
                              "summary": s} for i, s in enumerate(["Initial manifest", "Added SLOs", "New target"][:r.randint(1, 3)])]
    if r.random() < 0.5:
        meta["links"] = {k: f"https://example.com/{name}/{k}" for k in r.sample(["repository", "runbook", "dashboard", "docs", "adr"], r.randint(1, 3))}
    if r.random() < 0.3:
        meta["lastUpdated"] = "2026-10-01T12:00:00Z"
    m["metadata"] = meta
    # Project id: same as the name, a team id, or an epic-style id.
    pid = r.choice([name, name, f"{area}-{name}", f"PRJ-{n:03d}", name.replace("-", "_")])
    project = {"id": pid}
    if r.random() < .6:
        project["name"] = name.replace("-", " ").title()
    if r.random() < .5:
        project["description"] = f"{name} for the {area} domain"
    if r.random() < .4:
        project["epic"] = f"EPIC-{r.randint(10, 99)}"
    if r.random() < .3:
        project["tasks"] = [f"T-{r.randint(100, 999)}" for _ in range(r.randint(1, 3))]
    if r.random() < .15:
        project["traceId"] = "%032x" % r.getrandbits(128)
    spec = {"project": project}
    if r.random() < .35:
        design = {}
        if r.random() < .8: design["doc"] = f"https://docs.example.com/{name}/design"
        if r.random() < .5: design["adr"] = f"ADR-{r.randint(1, 40)}"
        if r.random() < .5: design["apiContract"] = f"https://api.example.com/{name}/openapi.yaml"
        if r.random() < .3: design["diagrams"] = [f"https://diagrams.example.com/{name}.png"]
        spec["design"] = design
    if r.random() < .85:
        b = {"criticality": r.choice(CRIT)}
        if r.random() < .7: b["value"] = r.choice(VALUES)
        if r.random() < .7: b["owner"] = f"{area}-team"
        if r.random() < .4: b["costCenter"] = f"CC-{r.randint(1000, 9999)}"
        if r.random() < .3: b["stakeholders"] = [f"{p}@example.com" for p in r.sample(["pm", "cto", "finance", "legal"], 2)]
        spec["business"] = b
    if r.random() < .8:
        req = {}
        if r.random() < .85: req["availability"] = r.choice(["99", "99.5", "99.9", "99.95", "99.99", "99.999"])
        if r.random() < .7: req["latencyP99"] = r.choice(["100ms", "250ms", "500ms", "1s", "2s", "1500ms"])
        if r.random() < .4: req["latencyP50"] = r.choice(["20ms", "50ms", "120ms"])
        if r.random() < .5: req["throughput"] = r.choice(["50rps", "200rps", "1000rps", "5000rps", "30rpm"])
        if r.random() < .3 and "availability" in req:
            req["errorBudget"] = f"{round(100 - float(req['availability']), 3):g}"
        if r.random() < .2: req["source"] = "SLA-2026"
        spec["requirements"] = req
    roll = r.random()
    if roll < .15:
        spec["risks"] = []
    elif roll < .85:
        spec["risks"] = []
        for t in r.sample(RISK_TYPES, r.randint(1, 4)):
            risk = {"type": t}
            risk["description"] = f"{t} risk for {name}"  # ours requires it (DECISIONS, stricter)
            if r.random() < .7: risk["priority"] = r.choice(["P1", "P2", "P3", "P4"])
            if r.random() < .5: risk["mitigation"] = f"Runbook section {t}"
            if r.random() < .3: risk["controls"] = [f"CTRL-{r.randint(1, 50)}"]
            spec["risks"].append(risk)
    targets = []
    count = r.choice([1, 1, 1, 2, 2, 3, 4, 6])
    for s in r.sample(SUFFIXES, count):
        t = {"kind": r.choice(KINDS), "name": f"{name}-{s}" if r.random() < .85 else s}
        if r.random() < .8:
            t["namespace"] = r.choice([area, area, f"{area}-prod", "default"])
        targets.append(t)
    if r.random() < .15:
        # The project's own name as a target too.
        targets.insert(0, {"kind": "Deployment", "name": name, "namespace": area})
    spec["targets"] = targets
    if r.random() < .8:
        o = {}
        if r.random() < .7: o["traceSampling"] = r.choice([0.01, 0.05, 0.1, 0.25, 1.0])
        if r.random() < .7: o["metricsInterval"] = r.choice(["10s", "15s", "30s", "60s", "1m"])
        if r.random() < .5: o["logLevel"] = r.choice(["debug", "info", "warn", "error"])
        if r.random() < .5: o["dashboardPlacement"] = r.choice(["featured", "standard", "archived"])
        if r.random() < .7: o["alertChannels"] = [f"#{area}-alerts"] + (["pagerduty-" + area] if r.random() < .4 else [])
        if r.random() < .4: o["runbook"] = f"https://runbooks.example.com/{name}"
        spec["observability"] = o
    if r.random() < .25:
        stores = []
        for i in range(r.randint(1, 3)):
            ds = {"id": f"{name}-store-{i}", "type": r.choice(["postgresql", "redis", "spanner", "mongodb", "kafka"])}
            if r.random() < .5: ds["clientLibrary"] = r.choice(["pgx", "go-redis", "sqlalchemy", "lettuce"])
            if r.random() < .4: ds["credentialSource"] = r.choice(["vault", "k8s-secret", "workload-identity"])
            if r.random() < .6: ds["sensitivity"] = r.choice(["low", "medium", "high"])
            if r.random() < .4:
                ds["accessPolicy"] = {"allowedPrincipals": [f"sa-{name}"], **({"requiredRole": "reader"} if r.random() < .5 else {}),
                                       **({"auditAccess": True} if r.random() < .5 else {})}
            stores.append(ds)
        spec["security"] = {"sensitivity": r.choice(["low", "medium", "high"]), "dataStores": stores}
    if r.random() < .25:
        services = {}
        for t in targets[:3]:
            svc = {"protocol": r.choice(PROTOCOLS)}
            if r.random() < .6: svc["language"] = r.choice(["go", "python", "java", "nodejs", "rust"])
            if r.random() < .5: svc["depends_on"] = [x["name"] for x in targets if x is not t][:2]
            if r.random() < .3: svc["databases"] = [r.choice(["postgresql", "redis"])]
            services[t["name"]] = svc
        spec["service_communication_graph"] = {"services": services}
    m["spec"] = spec
    if r.random() < .7:
        strategy = {}
        objectives = []
        for i in range(r.randint(0, 3)):
            obj = {"id": f"OBJ-{area.upper()[:6]}-{i}", "description": f"Objective {i} of {name}"}
            kr_roll = r.random()
            if kr_roll < .2:
                obj["keyResults"] = []
            elif kr_roll < .8:
                obj["keyResults"] = []
                for _ in range(r.randint(1, 2)):
                    key, unit, target = r.choice([("availability", "%", 99.9), ("latency.p99", "ms", 250),
                                                  ("latency.p50", "s", 0.2), ("error_rate", "%", 0.1),
                                                  ("throughput", "rps", 1000)])
                    obj["keyResults"].append({"metricKey": key, "unit": unit, "target": target,
                                              **({"targetOperator": r.choice(["gte", "lte", "eq"])} if r.random() < .6 else {}),
                                              **({"baseline": target} if r.random() < .3 else {}),
                                              **({"window": r.choice(["7d", "30d", "90d"])} if r.random() < .6 else {})})
            objectives.append(obj)
        if objectives or r.random() < .5:
            strategy["objectives"] = objectives
        tactics = []
        for i in range(r.randint(0, 3)):
            tac = {"id": f"TAC-{n}-{i}", "description": f"Tactic {i}", "status": r.choice(["planned", "in_progress", "in_review", "done", "blocked", "cancelled"])}
            if r.random() < .6: tac["owner"] = f"{area}-team"
            if tac["status"] == "blocked": tac["blockedReason"] = "waiting on vendor"
            if r.random() < .4: tac["progress"] = r.choice([0.0, 0.25, 0.5, 1.0])
            if objectives and r.random() < .7: tac["linkedObjectives"] = [objectives[0]["id"]]
            if r.random() < .3: tac["startDate"] = "2026-09-01T00:00:00Z"
            if r.random() < .3: tac["dueDate"] = "2026-12-31T00:00:00Z"
            if r.random() < .2: tac["artifacts"] = [{"type": r.choice(["issue", "pr", "runbook", "adr"]), "id": f"JIRA-{r.randint(100, 999)}"}]
            tactics.append(tac)
        if tactics:
            strategy["tactics"] = tactics
        m["strategy"] = strategy
    if r.random() < .6:
        g = {}
        if r.random() < .4: g["focus"] = {"areas": r.sample(["reliability", "latency", "cost", "security"], 2), **({"reason": "Q4 goals"} if r.random() < .5 else {})}
        if r.random() < .6:
            g["constraints"] = [{"id": f"C-{n}-{i}", "rule": f"Rule {i} for {name}", **({"severity": r.choice(["blocking", "warning", "advisory"])} if r.random() < .8 else {}),
                                 **({"rationale": "because"} if r.random() < .5 else {}), **({"appliesTo": ["src/**"]} if r.random() < .4 else {})}
                                for i in range(r.randint(1, 3))]
        if r.random() < .4:
            g["preferences"] = [{"id": f"P-{n}", "description": "Prefer structured logs", **({"example": "log.info(event=...)"} if r.random() < .5 else {})}]
        if r.random() < .5:
            g["questions"] = [{"id": f"Q-{n}-{i}", "question": f"Question {i}?", "status": r.choice(["open", "answered", "deferred"]),
                               "priority": r.choice(["critical", "high", "medium", "low"])} for i in range(r.randint(1, 2))]
        m["guidance"] = g
    if r.random() < .3:
        m["insights"] = [{"id": f"INS-{n}", "type": r.choice(["risk", "opportunity", "trend"]), "summary": "Latency creeping up",
                          "confidence": r.choice([0.4, 0.7, 0.95]), "source": "agent:analyst", "severity": r.choice(["info", "low", "medium", "high", "critical"]),
                          **({"recommendedActions": ["profile the hot path"]} if r.random() < .5 else {})}]
    # Options and side inputs.
    # The earlier tool's default strict quality refuses an export without a task mapping and a
    # scan of an approved path; teams turn it off (and ours is off by default).
    args = ["--no-strict-quality"]
    files = {}
    if r.random() < .3: args += ["-n", r.choice(["observability", "monitoring", area])]
    if r.random() < .2: args += ["--profile", r.choice(["source", "monitoring", "operator", "sponsor", "practitioner", "observability"])]
    if r.random() < .15: args += ["-f", "json"]
    if r.random() < .15: args += ["--project-id", f"override-{n}"]
    if r.random() < .2: args += ["--emit-provenance"]
    if r.random() < .1: args += ["--embed-provenance"]
    if r.random() < .15: args += ["--no-onboarding"]
    if r.random() < .15: args += ["--no-emit-quality-report"]
    r.random()  # (was --min-coverage: the earlier strict quality refuses any value under 60)
    types = ["dashboard", "prometheus_rule", "service_monitor", "slo_definition", "notification_policy", "runbook"]
    if r.random() < .5:
        # A task mapping, in the target-name spelling or the artifact-id spelling.
        mapping = {}
        for t in targets:
            ident = t["name"].replace("-", "_") if r.random() < .5 else t["name"]
            for ty in r.sample(types, r.randint(1, len(types))):
                mapping[f"{ident}-{ty.replace('_', '-')}" if r.random() < .5 else f"{ident}-{ty}"] = f"TASK-{r.randint(1, 200)}"
        files["task-mapping.json"] = json.dumps(mapping, indent=2) + "\n"
        args += ["--task-mapping", "task-mapping.json"]
    if r.random() < .35:
        files["service-metadata.json"] = json.dumps({t["name"]: {"transport_protocol": r.choice(PROTOCOLS),
                                                        **({"schema_contract": f"proto/{t['name']}.proto"} if r.random() < .4 else {}),
                                                        **({"healthcheck_type": "grpc_health_probe"} if r.random() < .2 else {})}
                                                     for t in targets if r.random() < .8}, indent=2) + "\n"
        args += ["--service-metadata", "service-metadata.json"]
    if r.random() < .35:
        for t in r.sample(targets, max(1, len(targets) // 2)):
            files[f"observability/{t['name']}-dashboard.json"] = "{}\n"
            if r.random() < .5:
                files[f"observability/{t['name']}-prometheus-rules.yaml"] = "groups: []\n"
        args += ["--scan-existing", "observability"]
    if r.random() < .2:
        t = r.choice(targets)
        files[f"existing/{t['name']}-runbook.md"] = "# runbook\n"
        args += ["-e", f"{t['name'].replace('-', '_')}-runbook:existing/{t['name']}-runbook.md"]
    return m, args, files


def extend(n, m, args):
    """The fields and options the seeded composition leaves unused (field_coverage.py lists
    them), each written by a few cases chosen by number, so every seeded draw stays as it was."""
    if n % 6 == 2:
        s = m.setdefault("strategy", {})
        tactics = s.setdefault("tactics", [])
        if not tactics:
            tactics.append({"id": f"TAC-{n}-x", "description": "Retire the legacy path", "status": "done"})
        t = tactics[0]
        t["completedDate"] = "2026-11-30T00:00:00Z"
        t["satisfies"] = [f"REQ-{n}-1"]
        t["repo"] = "platform/services"
        t["deliverables"] = {"runbook": "docs/runbook.md", "count": 2}
        t.setdefault("artifacts", []).append({"type": "pr", "id": f"PR-{n}", "url": f"https://example.com/pr/{n}", "title": "Add the runbook"})
        if len(tactics) > 1:
            tactics[1]["dependsOn"] = t["id"]
        else:
            tactics.append({"id": f"TAC-{n}-y", "description": "Follow-up", "dependsOn": t["id"]})
        s["strategyGroups"] = [{"horizon": "Q1", "rationale": "reliability first"}]
        objectives = s.setdefault("objectives", [])
        if not objectives:
            objectives.append({"id": f"OBJ-{n}-x", "description": "Stay available"})
        objectives[0].setdefault("keyResults", []).append(
            {"metricKey": "availability", "unit": "%", "target": 99.5, "dataSource": "prometheus"})
    if n % 6 == 4:
        g = m.setdefault("guidance", {})
        g.setdefault("focus", {"areas": ["reliability"]})["until"] = "2027-03-31"
        g.setdefault("questions", []).append({"id": f"Q-{n}-a", "question": "Which region fails over first?",
                                              "status": "answered", "answer": "eu-west",
                                              "answeredBy": "sre-team", "answeredAt": "2026-11-02T10:00:00Z"})
        m["insights"] = m.get("insights") or [{"id": f"INS-{n}-x", "type": "risk", "summary": "Queue depth grows",
                                                "confidence": 0.6, "source": "agent:analyst"}]
        ins = m["insights"][0]
        ins.update({"observedAt": "2026-11-20T08:00:00Z", "expiresAt": "2027-01-20T08:00:00Z",
                    "impact": "checkout latency",
                    "evidence": [{"type": "trace", "ref": "trace-1234", "description": "slow span"}]})
    if n % 10 == 5:
        m["state"] = {"lastSyncTime": "2026-11-30T12:00:00Z", "syncStatus": "synced",
                      "objectiveCount": 1, "activeTacticCount": 0, "openQuestionCount": 2}
    # Options: each used by a couple of cases.
    extra = {3: ["--deterministic-output"], 9: ["--no-deterministic-output"], 17: ["--emit-provenance", "--verify"],
             21: ["--document-write-strategy", "new_output"], 26: ["--no-emit-run-provenance"],
             29: ["--emit-run-provenance", "--emit-provenance", "--verify"], 35: ["--dry-run"],
             39: ["--document-write-strategy", "update_existing"], 7: ["--min-coverage", "0"]}
    args += extra.get(n, [])


def main():
    shutil.rmtree(cases_dir, ignore_errors=True)
    for n, (name, area) in enumerate(DOMAINS, 1):
        m, args, files = case(n, name, area)
        extend(n, m, args)
        d = os.path.join(cases_dir, f"{n:02d}-{name}")
        os.makedirs(d)
        open(os.path.join(d, ".contextcore.yaml"), "w").write(dump(m))
        open(os.path.join(d, "args"), "w").write("".join(a + "\n" for a in args))
        for rel, text in files.items():
            os.makedirs(os.path.dirname(os.path.join(d, rel)), exist_ok=True)
            open(os.path.join(d, rel), "w").write(text)


if __name__ == "__main__":
    main()
