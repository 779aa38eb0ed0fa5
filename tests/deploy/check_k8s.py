#!/usr/bin/env python3
"""Checks deploy/k8s/ and deploy/helm/readside/ without a cluster and without helm:

    tests/deploy/check_k8s.py [REPO]

Plain manifests (deploy/k8s/*.yaml):
- every document parses; kind/apiVersion/metadata.name present; with Debian's
  python3-kubernetes, every field is one of the API's (no typo passes silently) and required
  fields are there;
- the StatefulSet: volumeClaimTemplates (a volume per node) mounted at the ConfigMap's
  data-dir; serviceName is a headless Service of these manifests; its selector matches the
  pod labels; the args' --config file is the mounted ConfigMap key; the JWT secret file is
  inside the Secret's mount; probes: startup and liveness on /health/live, readiness on
  /health/ready, on a declared port; resources requests and limits; runAsNonRoot,
  readOnlyRootFilesystem, no privilege escalation, capabilities dropped; /tmp writable;
- every Service selects the pods and targets a declared container port.
The chart: Chart.yaml and every values file parse; every `.Values.a.b` in templates/ exists in
values.yaml; every key of values-dev.yaml/values-prod.yaml exists in values.yaml (under the
free-form maps only new keys are allowed); every values.yaml key is used by a template.

Prints the problems and exits 1 when there is any. YAML needs PyYAML (Debian: python3-yaml,
scripts/deps.txt), the schema check python3-kubernetes: an interpreter without them re-runs
this script with /usr/bin/python3.
"""

import glob
import os
import re
import sys

try:
    import yaml
    import kubernetes.client  # noqa: F401  (the schema check below)
except ImportError:  # e.g. a pyenv python3 first on PATH; Debian's has the Debian packages
    if os.path.realpath(sys.executable) != os.path.realpath("/usr/bin/python3") and \
            os.path.exists("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
try:
    import yaml
except ImportError:
    sys.exit("check_k8s.py needs PyYAML (Debian package python3-yaml)")

try:
    import tomllib
except ImportError:  # Python < 3.11 (Debian 12's is 3.11)
    tomllib = None

HEALTH_LIVE = "/health/live"
HEALTH_READY = "/health/ready"
# values.yaml maps whose keys are the user's (any key may be added by an override).
FREE_FORM = {"config", "resources", "podAnnotations", "nodeSelector", "affinity",
             "podSecurityContext", "securityContext"}


def load_docs(path):
    with open(path) as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]


# -- schema check with the kubernetes client's models -------------------------------------------

def _model_for(api_version, kind):
    try:
        import kubernetes.client as kc
    except ImportError:
        return None, None
    version = api_version.split("/")[-1]
    name = version[0].upper() + version[1:] + kind
    return kc, getattr(kc, name, None)


def _check_fields(kc, value, type_name, where, problems):
    if value is None:
        return
    m = re.match(r"list\[(.*)\]$", type_name)
    if m:
        if not isinstance(value, list):
            problems.append("%s: expected a list" % where)
            return
        for i, item in enumerate(value):
            _check_fields(kc, item, m.group(1), "%s[%d]" % (where, i), problems)
        return
    m = re.match(r"dict\(str, (.*)\)$", type_name)
    if m:
        if not isinstance(value, dict):
            problems.append("%s: expected a map" % where)
            return
        for k, v in value.items():
            _check_fields(kc, v, m.group(1), "%s.%s" % (where, k), problems)
        return
    model = getattr(kc, type_name, None)
    if model is None:  # str, int, bool, object, datetime
        if type_name == "str" and isinstance(value, (dict, list)):
            problems.append("%s: expected a string" % where)
        if type_name == "int" and not isinstance(value, int):
            problems.append("%s: expected an integer, got %r" % (where, value))
        if type_name == "bool" and not isinstance(value, bool):
            problems.append("%s: expected true/false, got %r" % (where, value))
        return
    if not isinstance(value, dict):
        problems.append("%s: expected an object (%s)" % (where, type_name))
        return
    by_json = {v: k for k, v in model.attribute_map.items()}
    for key, item in value.items():
        if key not in by_json:
            problems.append("%s: unknown field %r of %s" % (where, key, type_name))
            continue
        _check_fields(kc, item, model.openapi_types[by_json[key]], "%s.%s" % (where, key),
                      problems)


def schema_problems(doc, where):
    kc, model = _model_for(doc.get("apiVersion", ""), doc.get("kind", ""))
    if kc is None:
        return []
    if model is None:
        return ["%s: unknown kind %s/%s" % (where, doc.get("apiVersion"), doc.get("kind"))]
    problems = []
    _check_fields(kc, doc, model.__name__, where, problems)
    # Required fields: the models refuse None for them when deserializing.
    try:
        client = kc.ApiClient()
        client._ApiClient__deserialize(doc, model.__name__)
    except (ValueError, TypeError) as e:
        problems.append("%s: %s" % (where, e))
    return problems


# -- invariants of the plain manifests --------------------------------------------------------

def _ports(container):
    return {p.get("name"): p.get("containerPort") for p in container.get("ports", [])}


def _probe(container, kind, path, ports, where, problems):
    probe = container.get(kind)
    if not probe:
        problems.append("%s: no %s" % (where, kind))
        return
    get = probe.get("httpGet") or {}
    if get.get("path") != path:
        problems.append("%s: %s path %r, expected %s" % (where, kind, get.get("path"), path))
    port = get.get("port")
    if port not in ports and port not in ports.values():
        problems.append("%s: %s port %r is not a container port" % (where, kind, port))


def check_manifests(k8s_dir):
    problems = []
    docs = []
    for path in sorted(glob.glob(os.path.join(k8s_dir, "*.yaml"))):
        if os.path.basename(path) == "kustomization.yaml":
            continue
        try:
            for i, doc in enumerate(load_docs(path)):
                docs.append(("%s#%d" % (os.path.basename(path), i), doc))
        except yaml.YAMLError as e:
            problems.append("%s: %s" % (path, e))
    by_kind = {}
    for where, doc in docs:
        for key in ("apiVersion", "kind", "metadata"):
            if key not in doc:
                problems.append("%s: no %s" % (where, key))
        if not (doc.get("metadata") or {}).get("name"):
            problems.append("%s: no metadata.name" % where)
        problems += schema_problems(doc, where)
        by_kind.setdefault(doc.get("kind"), []).append((where, doc))

    configmaps = {d["metadata"]["name"]: d for _, d in by_kind.get("ConfigMap", [])}
    services = {d["metadata"]["name"]: d for _, d in by_kind.get("Service", [])}
    sts_list = by_kind.get("StatefulSet", [])
    if len(sts_list) != 1:
        problems.append("expected one StatefulSet, found %d" % len(sts_list))
        return problems
    where, sts = sts_list[0]
    spec = sts["spec"]
    pod = spec["template"]["spec"]
    labels = spec["template"]["metadata"].get("labels", {})
    selector = spec["selector"].get("matchLabels", {})
    if not selector or any(labels.get(k) != v for k, v in selector.items()):
        problems.append("%s: selector %s does not match pod labels %s" % (where, selector, labels))
    headless = services.get(spec.get("serviceName"))
    if headless is None or headless["spec"].get("clusterIP") != "None":
        problems.append("%s: serviceName %r is not a headless Service of these manifests"
                        % (where, spec.get("serviceName")))
    claims = {c["metadata"]["name"] for c in spec.get("volumeClaimTemplates", [])}
    if not claims:
        problems.append("%s: no volumeClaimTemplates (a volume per node)" % where)
    if (spec.get("replicas") or 1) < 2:
        problems.append("%s: fewer than 2 replicas" % where)
    pod_sc = pod.get("securityContext") or {}
    if not pod_sc.get("runAsNonRoot") or not pod_sc.get("runAsUser"):
        problems.append("%s: pod securityContext needs runAsNonRoot and a runAsUser" % where)
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    containers = pod.get("containers", [])
    if len(containers) != 1:
        problems.append("%s: expected one container" % where)
        return problems
    c = containers[0]
    cw = "%s container %s" % (where, c.get("name"))
    ports = _ports(c)
    _probe(c, "startupProbe", HEALTH_LIVE, ports, cw, problems)
    _probe(c, "livenessProbe", HEALTH_LIVE, ports, cw, problems)
    _probe(c, "readinessProbe", HEALTH_READY, ports, cw, problems)
    res = c.get("resources") or {}
    for part in ("requests", "limits"):
        for what in ("cpu", "memory"):
            if what not in (res.get(part) or {}):
                problems.append("%s: resources.%s.%s missing" % (cw, part, what))
    sc = c.get("securityContext") or {}
    if sc.get("readOnlyRootFilesystem") is not True:
        problems.append("%s: readOnlyRootFilesystem is not true" % cw)
    if sc.get("allowPrivilegeEscalation") is not False:
        problems.append("%s: allowPrivilegeEscalation is not false" % cw)
    if "ALL" not in ((sc.get("capabilities") or {}).get("drop") or []):
        problems.append("%s: capabilities not dropped" % cw)
    mounts = {m["mountPath"]: m for m in c.get("volumeMounts", [])}
    for m in mounts.values():
        if m["name"] not in volumes and m["name"] not in claims:
            problems.append("%s: mount %s of unknown volume %s" % (cw, m["mountPath"], m["name"]))
    if "/tmp" not in mounts:
        problems.append("%s: /tmp not writable (read-only root filesystem)" % cw)

    # The configuration file the args name, from a mounted ConfigMap.
    args = c.get("args", [])
    config_path = args[args.index("--config") + 1] if "--config" in args else None
    toml_text = None
    for mount_path, m in mounts.items():
        vol = volumes.get(m["name"], {})
        cm_name = (vol.get("configMap") or {}).get("name")
        if cm_name and config_path and config_path.startswith(mount_path.rstrip("/") + "/"):
            cm = configmaps.get(cm_name)
            key = config_path[len(mount_path.rstrip("/")) + 1:]
            if cm is None or key not in cm.get("data", {}):
                problems.append("%s: --config %s: ConfigMap %s has no key %s"
                                % (cw, config_path, cm_name, key))
            else:
                toml_text = cm["data"][key]
    if toml_text is None:
        problems.append("%s: --config %r is not a mounted ConfigMap key" % (cw, config_path))
    elif tomllib is not None:
        serve = tomllib.loads(toml_text).get("serve", {})
        data_dir = serve.get("data-dir")
        m = mounts.get(data_dir)
        if m is None or m["name"] not in claims:
            problems.append("%s: data-dir %r is not a volumeClaimTemplates mount" % (cw, data_dir))
        secret_file = serve.get("jwt-secret-file", "")
        ok = False
        for mount_path, mm in mounts.items():
            vol = volumes.get(mm["name"], {})
            if "secret" in vol and secret_file.startswith(mount_path.rstrip("/") + "/"):
                items = [i["path"] for i in vol["secret"].get("items", [])]
                ok = not items or secret_file[len(mount_path.rstrip("/")) + 1:] in items
        if not ok:
            problems.append("%s: jwt-secret-file %r is not inside a mounted Secret"
                            % (cw, secret_file))

    for name, svc in services.items():
        sel = svc["spec"].get("selector", {})
        if not sel or any(labels.get(k) != v for k, v in sel.items()):
            problems.append("Service %s: selector %s does not select the pods" % (name, sel))
        for p in svc["spec"].get("ports", []):
            t = p.get("targetPort", p.get("port"))
            if t not in ports and t not in ports.values():
                problems.append("Service %s: targetPort %r is not a container port" % (name, t))
    return problems


# -- the chart ----------------------------------------------------------------------------------

def _paths(d, prefix=()):
    for k, v in d.items():
        yield prefix + (k,)
        if isinstance(v, dict) and k not in FREE_FORM:
            yield from _paths(v, prefix + (k,))


def _has(d, path):
    for k in path:
        if not isinstance(d, dict) or k not in d:
            return False
        d = d[k]
    return True


def check_chart(chart_dir):
    problems = []
    chart = load_docs(os.path.join(chart_dir, "Chart.yaml"))[0]
    for key in ("apiVersion", "name", "version", "appVersion"):
        if key not in chart:
            problems.append("Chart.yaml: no %s" % key)
    if chart.get("apiVersion") != "v2":
        problems.append("Chart.yaml: apiVersion must be v2")
    values = load_docs(os.path.join(chart_dir, "values.yaml"))[0]
    used = set()
    for path in sorted(glob.glob(os.path.join(chart_dir, "templates", "*"))):
        with open(path) as f:
            text = f.read()
        if text.count("{{") != text.count("}}"):
            problems.append("%s: unbalanced {{ }}" % path)
        for m in re.finditer(r"\.Values((?:\.[A-Za-z_][\w]*)+)", text):
            ref = tuple(m.group(1).strip(".").split("."))
            used.add(ref)
            if not _has(values, ref):
                problems.append("%s: .Values.%s is not in values.yaml"
                                % (os.path.basename(path), ".".join(ref)))
    for path in _paths(values):
        if not any(u[:len(path)] == path or path[:len(u)] == u for u in used):
            problems.append("values.yaml: %s is used by no template" % ".".join(path))
    for name in ("values-dev.yaml", "values-prod.yaml"):
        override = load_docs(os.path.join(chart_dir, name))[0]
        for path in _paths(override):
            parent_free = any(path[:i + 1][-1] in FREE_FORM for i in range(len(path) - 1))
            if not parent_free and not _has(values, path):
                problems.append("%s: %s is not a key of values.yaml" % (name, ".".join(path)))
    return problems


def main(argv):
    repo = argv[1] if len(argv) > 1 else os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))
    problems = check_manifests(os.path.join(repo, "deploy", "k8s"))
    problems += check_chart(os.path.join(repo, "deploy", "helm", "readside"))
    for p in problems:
        print(p)
    if problems:
        return 1
    schema = "with" if _model_for("v1", "Pod")[0] else "WITHOUT (python3-kubernetes missing)"
    print("deploy/k8s and deploy/helm/readside: OK (API schema check %s)" % schema)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
