// eddy-deploy-check validates eddy's deployment files with the libraries the
// real tools use, offline:
//
//	eddy-deploy-check compose FILE
//	    loads FILE with compose-go (the Docker Compose loader: the compose
//	    specification's JSON schema, interpolation, merge keys, references)
//	eddy-deploy-check k8s -crds DIR[,DIR...] KUSTOMIZATION_DIR...
//	    builds each kustomization with kustomize's own library (krusty), then
//	    decodes every built-in object strictly into the official k8s.io/api
//	    types (unknown or duplicate fields fail) and validates every custom
//	    resource against the openAPIV3Schema of its CRD found in DIRs (unknown
//	    fields fail, as kubectl --validate=strict), then checks the wiring
//	    (selectors, probes, resources, KEDA targets and partition bounds).
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/santhosh-tekuri/jsonschema/v6"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/json"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var errs []string
	switch os.Args[1] {
	case "compose":
		if len(os.Args) != 3 {
			usage()
		}
		errs = checkCompose(os.Args[2])
	case "k8s":
		fs := flag.NewFlagSet("k8s", flag.ExitOnError)
		crds := fs.String("crds", "", "comma-separated directories of CRD YAML files")
		_ = fs.Parse(os.Args[2:])
		if fs.NArg() == 0 {
			usage()
		}
		schemas, err := loadCRDs(strings.Split(*crds, ","))
		if err != nil {
			fail(err.Error())
		}
		for _, dir := range fs.Args() {
			errs = append(errs, checkKustomization(dir, schemas)...)
		}
	default:
		usage()
	}
	if len(errs) > 0 {
		for _, e := range errs {
			fmt.Fprintln(os.Stderr, "FAIL:", e)
		}
		os.Exit(1)
	}
}

func usage() {
	fail("usage: eddy-deploy-check compose FILE | k8s -crds DIR[,DIR] KUSTOMIZATION_DIR...")
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, msg)
	os.Exit(2)
}

// ---- compose ---------------------------------------------------------------

func checkCompose(file string) []string {
	abs, _ := filepath.Abs(file)
	dir := filepath.Dir(abs)
	opts, err := cli.NewProjectOptions([]string{abs}, cli.WithWorkingDirectory(dir),
		cli.WithInterpolation(true), cli.WithResolvedPaths(true))
	if err != nil {
		return []string{err.Error()}
	}
	p, err := opts.LoadProject(context.Background())
	if err != nil {
		return []string{fmt.Sprintf("%s: %v", file, err)}
	}
	var errs []string
	hostPorts := map[string]string{}
	names := p.ServiceNames()
	sort.Strings(names)
	for _, name := range names {
		s := p.Services[name]
		for _, port := range s.Ports {
			if prev, dup := hostPorts[port.Published]; dup {
				errs = append(errs, fmt.Sprintf("compose: host port %s used by %s and %s", port.Published, prev, name))
			}
			hostPorts[port.Published] = name
		}
		for _, v := range s.Volumes {
			if v.Type == "bind" {
				if _, err := os.Stat(v.Source); err != nil {
					errs = append(errs, fmt.Sprintf("compose: service %s mounts missing %s", name, v.Source))
				}
			}
		}
		if s.Build != nil {
			if _, err := os.Stat(filepath.Join(s.Build.Context, "Dockerfile")); err != nil {
				errs = append(errs, fmt.Sprintf("compose: service %s builds from %s without a Dockerfile", name, s.Build.Context))
			}
		}
		if strings.HasPrefix(s.Image, "eddy") && len(s.Command) == 0 {
			errs = append(errs, fmt.Sprintf("compose: eddy service %s has no command", name))
		}
	}
	fmt.Printf("compose: %s: valid (%d services: %s)\n", file, len(names), strings.Join(names, " "))
	return errs
}

// ---- CRD schemas -------------------------------------------------------------

type gvk struct{ group, version, kind string }

func loadCRDs(dirs []string) (map[gvk]*jsonschema.Schema, error) {
	out := map[gvk]*jsonschema.Schema{}
	c := jsonschema.NewCompiler()
	n := 0
	for _, dir := range dirs {
		if dir == "" {
			continue
		}
		files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				return nil, err
			}
			for _, doc := range splitYAML(data) {
				var crd map[string]any
				if err := yaml.Unmarshal(doc, &crd); err != nil {
					return nil, fmt.Errorf("%s: %v", f, err)
				}
				if crd["kind"] != "CustomResourceDefinition" {
					continue
				}
				spec, _ := crd["spec"].(map[string]any)
				group, _ := spec["group"].(string)
				kind, _ := spec["names"].(map[string]any)["kind"].(string)
				versions, _ := spec["versions"].([]any)
				for _, v := range versions {
					vm := v.(map[string]any)
					sch, _ := vm["schema"].(map[string]any)
					if sch == nil {
						continue
					}
					js := toJSONSchema(sch["openAPIV3Schema"])
					url := fmt.Sprintf("mem://%s/%s/%s.json", group, vm["name"], kind)
					b, _ := yaml.Marshal(js) // round trip into jsonschema's number types
					jb, _ := yaml.YAMLToJSON(b)
					doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(jb))
					if err != nil {
						return nil, err
					}
					if err := c.AddResource(url, doc); err != nil {
						return nil, fmt.Errorf("%s: %v", f, err)
					}
					compiled, err := c.Compile(url)
					if err != nil {
						return nil, fmt.Errorf("%s %s: %v", f, kind, err)
					}
					out[gvk{group, vm["name"].(string), kind}] = compiled
					n++
				}
			}
		}
	}
	fmt.Printf("k8s: %d CRD schema versions loaded\n", n)
	return out, nil
}

// toJSONSchema turns a CRD's OpenAPI v3 schema into JSON Schema: nullable and
// int-or-string become types, and objects with declared properties reject
// unknown fields unless x-kubernetes-preserve-unknown-fields says otherwise.
func toJSONSchema(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := map[string]any{}
		for k, val := range t {
			switch k {
			case "properties", "patternProperties", "definitions":
				props := map[string]any{}
				for pk, pv := range val.(map[string]any) {
					props[pk] = toJSONSchema(pv)
				}
				m[k] = props
			case "default", "example", "enum":
				m[k] = val
			default:
				m[k] = toJSONSchema(val)
			}
		}
		if m["x-kubernetes-int-or-string"] == true {
			delete(m, "type")
			m["anyOf"] = []any{map[string]any{"type": "integer"}, map[string]any{"type": "string"}}
		}
		if m["nullable"] == true {
			if ty, ok := m["type"].(string); ok {
				m["type"] = []any{ty, "null"}
			}
		}
		_, hasProps := m["properties"]
		_, hasAdd := m["additionalProperties"]
		if hasProps && !hasAdd && m["x-kubernetes-preserve-unknown-fields"] != true {
			m["additionalProperties"] = false
		}
		return m
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = toJSONSchema(e)
		}
		return out
	}
	return v
}

func splitYAML(data []byte) [][]byte {
	var docs [][]byte
	for _, d := range bytes.Split(append([]byte("\n"), data...), []byte("\n---")) {
		if len(bytes.TrimSpace(stripComments(d))) > 0 {
			docs = append(docs, d)
		}
	}
	return docs
}

func stripComments(b []byte) []byte {
	var out [][]byte
	for _, l := range bytes.Split(b, []byte("\n")) {
		if !bytes.HasPrefix(bytes.TrimSpace(l), []byte("#")) {
			out = append(out, l)
		}
	}
	return bytes.Join(out, []byte("\n"))
}

// ---- kustomize + objects -----------------------------------------------------

type object struct {
	apiVersion, kind, name, namespace string
	raw                               []byte
	generic                           map[string]any
	typed                             runtime.Object
}

func checkKustomization(dir string, schemas map[gvk]*jsonschema.Schema) []string {
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	m, err := k.Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		return []string{fmt.Sprintf("kustomize build %s: %v", dir, err)}
	}
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{corev1.AddToScheme, appsv1.AddToScheme,
		policyv1.AddToScheme, batchv1.AddToScheme} {
		if err := add(scheme); err != nil {
			panic(err)
		}
	}
	strict := json.NewSerializerWithOptions(json.DefaultMetaFactory, scheme, scheme,
		json.SerializerOptions{Yaml: true, Strict: true})

	var errs []string
	var objs []*object
	kinds := map[string]int{}
	for _, r := range m.Resources() {
		raw, err := r.AsYAML()
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		o := &object{raw: raw}
		if err := yaml.Unmarshal(raw, &o.generic); err != nil {
			errs = append(errs, err.Error())
			continue
		}
		o.apiVersion, _ = o.generic["apiVersion"].(string)
		o.kind, _ = o.generic["kind"].(string)
		meta, _ := o.generic["metadata"].(map[string]any)
		o.name, _ = meta["name"].(string)
		o.namespace, _ = meta["namespace"].(string)
		id := fmt.Sprintf("%s: %s %s/%s", dir, o.kind, o.namespace, o.name)
		kinds[o.kind]++
		group, version := "", o.apiVersion
		if i := strings.Index(o.apiVersion, "/"); i >= 0 {
			group, version = o.apiVersion[:i], o.apiVersion[i+1:]
		}
		if sch, ok := schemas[gvk{group, version, o.kind}]; ok {
			jb, _ := yaml.YAMLToJSON(raw)
			inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(jb))
			if err == nil {
				err = sch.Validate(inst)
			}
			if err != nil {
				errs = append(errs, fmt.Sprintf("%s: %v", id, err))
			}
			if o.name == "" {
				errs = append(errs, id+": no metadata.name")
			}
		} else {
			obj, _, err := strict.Decode(raw, nil, nil)
			if err != nil {
				errs = append(errs, fmt.Sprintf("%s: %v", id, err))
				continue
			}
			o.typed = obj
		}
		if o.kind != "Namespace" && o.namespace != "eddy" {
			errs = append(errs, id+": not in namespace eddy")
		}
		objs = append(objs, o)
	}
	errs = append(errs, checkWiring(dir, objs)...)
	var ks []string
	for k, n := range kinds {
		ks = append(ks, fmt.Sprintf("%d %s", n, k))
	}
	sort.Strings(ks)
	fmt.Printf("k8s: %s: %d objects (%s)\n", dir, len(objs), strings.Join(ks, ", "))
	return errs
}

func get(m map[string]any, path ...string) any {
	var cur any = m
	for _, p := range path {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = mm[p]
	}
	return cur
}

func num(v any) int {
	switch t := v.(type) {
	case float64:
		return int(t)
	case int64:
		return int(t)
	case int:
		return t
	case string:
		n, _ := strconv.Atoi(t)
		return n
	}
	return -1
}

func checkWiring(dir string, objs []*object) []string {
	var errs []string
	bad := func(f string, a ...any) { errs = append(errs, dir+": "+fmt.Sprintf(f, a...)) }
	deps := map[string]*workload{}
	var podLabels []labels.Set
	partitions := map[string]int{}
	kafkas := map[string]bool{}
	for _, o := range objs {
		var w *workload
		switch t := o.typed.(type) {
		case *appsv1.Deployment:
			w = &workload{"Deployment", t.Name, t.Spec.Replicas, t.Spec.Selector, &t.Spec.Template}
		case *appsv1.StatefulSet:
			w = &workload{"StatefulSet", t.Name, t.Spec.Replicas, t.Spec.Selector, &t.Spec.Template}
			checkReplicaID(t, bad)
		case *batchv1.Job:
			checkPod(t.Name, &t.Spec.Template.Spec, false, bad)
		}
		if w != nil {
			deps[w.name] = w
			podLabels = append(podLabels, w.template.Labels)
			sel, err := metav1.LabelSelectorAsSelector(w.selector)
			if err != nil || !sel.Matches(labels.Set(w.template.Labels)) {
				bad("%s %s: selector does not match its pod template", w.kind, w.name)
			}
			checkPod(w.name, &w.template.Spec, true, bad)
		}
		switch o.kind {
		case "KafkaTopic":
			name := o.name
			if tn, ok := get(o.generic, "spec", "topicName").(string); ok {
				name = tn
			}
			partitions[name] = num(get(o.generic, "spec", "partitions"))
		case "Kafka":
			kafkas[o.name] = true
		}
	}
	matchesPod := func(sel labels.Selector) bool {
		for _, l := range podLabels {
			if sel.Matches(l) {
				return true
			}
		}
		return false
	}
	for _, o := range objs {
		switch t := o.typed.(type) {
		case *corev1.Service:
			if !matchesPod(labels.SelectorFromSet(t.Spec.Selector)) {
				bad("Service %s selects no pod", t.Name)
			}
		case *policyv1.PodDisruptionBudget:
			sel, err := metav1.LabelSelectorAsSelector(t.Spec.Selector)
			if err != nil || !matchesPod(sel) {
				bad("PodDisruptionBudget %s selects no pod", t.Name)
			}
		}
		switch o.kind {
		case "KafkaTopic", "KafkaNodePool":
			c, _ := get(o.generic, "metadata", "labels", "strimzi.io/cluster").(string)
			if !kafkas[c] {
				bad("%s %s: strimzi.io/cluster %q is no Kafka here", o.kind, o.name, c)
			}
		case "PodMonitor":
			var ls metav1.LabelSelector
			b, _ := yaml.Marshal(get(o.generic, "spec", "selector"))
			_ = yaml.Unmarshal(b, &ls)
			sel, err := metav1.LabelSelectorAsSelector(&ls)
			if err != nil || !matchesPod(sel) {
				bad("PodMonitor %s selects no pod", o.name)
			}
		case "ScaledObject":
			target, _ := get(o.generic, "spec", "scaleTargetRef", "name").(string)
			kind, _ := get(o.generic, "spec", "scaleTargetRef", "kind").(string)
			if kind == "" {
				kind = "Deployment"
			}
			d, ok := deps[target]
			if !ok || d.kind != kind {
				bad("ScaledObject %s: no %s %s", o.name, kind, target)
				continue
			}
			if d.replicas != nil {
				bad("%s %s sets replicas although ScaledObject %s owns them", d.kind, target, o.name)
			}
			maxR := num(get(o.generic, "spec", "maxReplicaCount"))
			triggers, _ := get(o.generic, "spec", "triggers").([]any)
			for _, tr := range triggers {
				md, _ := get(tr.(map[string]any), "metadata").(map[string]any)
				topic, _ := md["topic"].(string)
				group, _ := md["consumerGroup"].(string)
				p, ok := partitions[topic]
				if !ok {
					bad("ScaledObject %s: topic %q is no KafkaTopic", o.name, topic)
				} else if maxR < 1 || maxR > p {
					bad("ScaledObject %s: maxReplicaCount %d outside 1..%d (partitions of %s)", o.name, maxR, p, topic)
				}
				args := strings.Join(d.template.Spec.Containers[0].Args, " ")
				if !strings.Contains(args, "--group "+group+" ") || !strings.Contains(args, "--input "+topic+" ") {
					bad("ScaledObject %s watches group %s on %s, but %s %s runs %q", o.name, group, topic, d.kind, target, args)
				}
			}
		}
	}
	return errs
}

// workload is a Deployment or a StatefulSet: what the wiring checks need.
type workload struct {
	kind, name string
	replicas   *int32
	selector   *metav1.LabelSelector
	template   *corev1.PodTemplateSpec
}

// checkReplicaID: a StatefulSet's pods keep their names across restarts, so
// each must take its transactional id (and static group member id) from its
// own name: a restarted pod then fences its predecessor at once.
func checkReplicaID(t *appsv1.StatefulSet, bad func(string, ...any)) {
	for _, c := range t.Spec.Template.Spec.Containers {
		ok := false
		for _, e := range c.Env {
			if e.Name == "EDDY_TRANSACTIONAL_ID" && e.ValueFrom != nil && e.ValueFrom.FieldRef != nil &&
				e.ValueFrom.FieldRef.FieldPath == "metadata.name" {
				ok = true
			}
		}
		if !ok {
			bad("StatefulSet %s/%s: EDDY_TRANSACTIONAL_ID must come from metadata.name (the pod's stable name)", t.Name, c.Name)
		}
	}
	if t.Spec.ServiceName == "" {
		bad("StatefulSet %s: no serviceName", t.Name)
	}
}

func checkPod(name string, spec *corev1.PodSpec, probes bool, bad func(string, ...any)) {
	if spec.SecurityContext == nil || spec.SecurityContext.RunAsNonRoot == nil || !*spec.SecurityContext.RunAsNonRoot {
		bad("%s: pod must set runAsNonRoot", name)
	}
	for _, c := range spec.Containers {
		if c.Image == "" {
			bad("%s/%s: no image", name, c.Name)
		}
		if c.Resources.Requests.Memory().IsZero() || c.Resources.Limits.Memory().IsZero() {
			bad("%s/%s: memory request and limit are required", name, c.Name)
		}
		if !probes {
			continue
		}
		ports := map[string]bool{}
		for _, p := range c.Ports {
			ports[p.Name] = true
		}
		for what, p := range map[string]*corev1.Probe{"liveness": c.LivenessProbe, "readiness": c.ReadinessProbe} {
			want := map[string]string{"liveness": "/healthz", "readiness": "/readyz"}[what]
			if p == nil || p.HTTPGet == nil || p.HTTPGet.Path != want {
				bad("%s/%s: %s probe must GET %s", name, c.Name, what, want)
			} else if !ports[p.HTTPGet.Port.String()] {
				bad("%s/%s: %s probe port %s is not a container port", name, c.Name, what, p.HTTPGet.Port.String())
			}
		}
	}
}
