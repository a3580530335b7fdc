package embedded

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// DefaultNamespaces are the namespaces Seed creates when given none.
func DefaultNamespaces() []string {
	return []string{"default", "kube-system", "team-a", "team-b", "monitoring"}
}

// Workload kinds of the catalog.
const (
	kindDeployment  = "Deployment"
	kindStatefulSet = "StatefulSet"
	kindDaemonSet   = "DaemonSet"
	kindJob         = "Job"
)

// behaviourKey is the pod-template annotation that tells churn how the pods of a workload
// behave: "crashloop" (the container keeps failing), "fail" or "complete" (a Job's pod ends),
// "init-stuck" (a StatefulSet's later pods wait in their last init container).
const behaviourKey = "demo.kubelive.io/behaviour"

type container struct {
	name, image string
	port        int32 // 0: none
}

// workload is one entry of the seeded cluster's catalog.
type workload struct {
	kind           string
	name           string
	containers     []container
	initContainers []container
	replicas       int32
	behaviour      string
	service        corev1.ServiceType // "": no Service; "None": headless
	serviceName    string             // default: name
	age            time.Duration      // since creation
}

const day = 24 * time.Hour

func catalog(ns string) []workload {
	c := func(name, image string, port int32) container { return container{name, image, port} }
	switch ns {
	case "default":
		return []workload{
			{kind: kindDeployment, name: "nginx", containers: []container{c("nginx", "nginx:1.27.2", 80)}, replicas: 3, service: corev1.ServiceTypeClusterIP, age: 12 * day},
			{kind: kindDeployment, name: "redis", containers: []container{c("redis", "redis:7.4.1", 6379)}, replicas: 1, service: corev1.ServiceTypeClusterIP, age: 12 * day},
			{kind: kindJob, name: "report-29401780", containers: []container{c("report", "ghcr.io/kubelive/report:1.2.0", 0)}, replicas: 1, behaviour: "complete", age: 3 * time.Hour},
		}
	case "kube-system":
		return []workload{
			{kind: kindDeployment, name: "coredns", containers: []container{c("coredns", "registry.k8s.io/coredns/coredns:v1.11.3", 53)}, replicas: 2,
				service: corev1.ServiceTypeClusterIP, serviceName: "kube-dns", age: 12 * day},
			{kind: kindDeployment, name: "metrics-server", containers: []container{c("metrics-server", "registry.k8s.io/metrics-server/metrics-server:v0.7.2", 10250)}, replicas: 1,
				service: corev1.ServiceTypeClusterIP, age: 12 * day},
			{kind: kindDaemonSet, name: "kube-proxy", containers: []container{c("kube-proxy", "registry.k8s.io/kube-proxy:v1.37.1", 0)}, age: 12 * day},
		}
	case "team-a":
		return []workload{
			{kind: kindDeployment, name: "web", containers: []container{c("web", "ghcr.io/team-a/web:2.3.1", 8080), c("envoy", "envoyproxy/envoy:v1.31.2", 15001)},
				replicas: 3, service: corev1.ServiceTypeNodePort, age: 5 * day},
			{kind: kindDeployment, name: "worker", containers: []container{c("worker", "ghcr.io/team-a/worker:2.3.1", 9090)}, replicas: 2, age: 5 * day},
			{kind: kindDeployment, name: "reports", containers: []container{c("reports", "ghcr.io/team-a/reports:0.9.0", 8000)}, replicas: 1, behaviour: "crashloop", age: 2 * day},
		}
	case "team-b":
		return []workload{
			{kind: kindDeployment, name: "api", containers: []container{c("api", "ghcr.io/team-b/api:1.8.0", 8443)}, replicas: 2, service: corev1.ServiceTypeClusterIP, age: 8 * day},
			{kind: kindDeployment, name: "cache", containers: []container{c("cache", "memcached:1.6.31", 11211)}, replicas: 1, service: corev1.ServiceTypeClusterIP, age: 8 * day},
			{kind: kindStatefulSet, name: "postgres", containers: []container{c("postgres", "postgres:16.4", 5432)},
				initContainers: []container{c("init-permissions", "busybox:1.36.1", 0), c("wait-for-primary", "postgres:16.4", 0)},
				replicas:       2, behaviour: "init-stuck", service: corev1.ClusterIPNone, age: 8 * day},
			{kind: kindJob, name: "db-migrate", containers: []container{c("migrate", "ghcr.io/team-b/migrate:1.8.0", 0)}, replicas: 1, behaviour: "fail", age: 40 * time.Minute},
		}
	case "monitoring":
		return []workload{
			{kind: kindDeployment, name: "prometheus", containers: []container{c("prometheus", "quay.io/prometheus/prometheus:v2.54.1", 9090),
				c("config-reloader", "quay.io/prometheus-operator/prometheus-config-reloader:v0.77.1", 8080)}, replicas: 1, service: corev1.ServiceTypeClusterIP, age: 10 * day},
			{kind: kindDeployment, name: "grafana", containers: []container{c("grafana", "grafana/grafana:11.2.0", 3000)}, replicas: 1, service: corev1.ServiceTypeLoadBalancer, age: 10 * day},
			{kind: kindDaemonSet, name: "node-exporter", containers: []container{c("node-exporter", "quay.io/prometheus/node-exporter:v1.8.2", 9100)}, age: 10 * day},
		}
	default:
		return []workload{{kind: kindDeployment, name: "app", containers: []container{c("app", "nginx:1.27.2", 80)}, replicas: 2, service: corev1.ServiceTypeClusterIP, age: day}}
	}
}

type node struct{ name, ip string }

func nodes() []node {
	return []node{{"node-a", "172.18.0.2"}, {"node-b", "172.18.0.3"}, {"node-c", "172.18.0.4"}}
}

// gen makes the names, uids and addresses of seeded and churned objects, deterministically.
type gen struct {
	rand *rand.Rand
	now  func() time.Time
}

func (g *gen) hex(n int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[g.rand.IntN(16)]
	}
	return string(b)
}

func (g *gen) suffix(n int) string {
	const alphabet = "bcdfghjklmnpqrstvwxz2456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[g.rand.IntN(len(alphabet))]
	}
	return string(b)
}

// between returns a time in [now-older, now-newer).
func (g *gen) between(older, newer time.Duration) time.Time {
	if older <= newer {
		return g.now().Add(-newer)
	}
	return g.now().Add(-newer - time.Duration(g.rand.Int64N(int64(older-newer))))
}

// templateHash is the pod-template-hash of a template: like the controller's, it changes
// with the template (a rollout restart makes a new ReplicaSet).
func templateHash(t corev1.PodTemplateSpec) string {
	h := fnv.New64a()
	raw, _ := json.Marshal(t)
	_, _ = h.Write(raw)
	const alphabet = "bcdfghjklmnpqrstvwxz2456789"
	sum := h.Sum64()
	b := make([]byte, 10)
	for i := range b {
		b[i] = alphabet[sum%uint64(len(alphabet))]
		sum /= uint64(len(alphabet))
	}
	return string(b)
}

// Seed creates a cluster that has been running for days: nodes, namespaces (DefaultNamespaces
// when empty), and in each the workloads of its catalog (Deployments with their ReplicaSets,
// StatefulSets, DaemonSets, Jobs) with their pods, Services, ConfigMaps, Secrets, recent
// Events, and the Widget CustomResourceDefinition with a few widgets. A few pods are in
// CrashLoopBackOff, Failed, Completed and Init:1/2; several have two containers. Every
// workload's status matches its pods. Everything goes through the store's write API.
func Seed(s *Store, namespaces []string, seed uint64) error {
	if len(namespaces) == 0 {
		namespaces = DefaultNamespaces()
	}
	g := &gen{rand: rand.New(rand.NewPCG(seed, seed+1)), now: s.now}
	for _, n := range nodes() {
		if _, err := s.createAt(Nodes, "", g.node(n), g.now().Add(-12*day)); err != nil {
			return fmt.Errorf("seed node %s: %w", n.name, err)
		}
	}
	if err := seedWidgetCRD(s, g); err != nil {
		return err
	}
	for _, ns := range namespaces {
		if _, err := s.createAt(Namespaces, "", &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, g.now().Add(-12*day)); err != nil {
			return fmt.Errorf("seed namespace %s: %w", ns, err)
		}
		ca := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "kube-root-ca.crt"},
			Data: map[string]string{"ca.crt": "-----BEGIN CERTIFICATE-----\nMIIC/jCCAeagAwIBAgIBADANBgkqhkiG9w0BAQsFADAVMRMwEQYDVQQDEwprdWJl\n-----END CERTIFICATE-----\n"}}
		if _, err := s.createAt(ConfigMaps, ns, ca, g.now().Add(-12*day)); err != nil {
			return fmt.Errorf("seed configmap %s/kube-root-ca.crt: %w", ns, err)
		}
		for _, w := range catalog(ns) {
			if err := seedWorkload(s, g, ns, w); err != nil {
				return err
			}
		}
		for _, sec := range secrets(ns) {
			if _, err := s.createAt(Secrets, ns, sec, g.now().Add(-5*day)); err != nil {
				return fmt.Errorf("seed secret %s/%s: %w", ns, sec.Name, err)
			}
		}
		if ns == "default" {
			kube := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "kubernetes", Labels: map[string]string{"component": "apiserver", "provider": "kubernetes"}},
				Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeClusterIP, ClusterIP: "10.96.0.1", ClusterIPs: []string{"10.96.0.1"},
					Ports: []corev1.ServicePort{{Name: "https", Port: 443, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromInt32(6443)}}}}
			if _, err := s.createAt(Services, ns, kube, g.now().Add(-12*day)); err != nil {
				return fmt.Errorf("seed service default/kubernetes: %w", err)
			}
		}
		if err := seedWidgets(s, g, ns); err != nil {
			return err
		}
	}
	return nil
}

// node returns a Ready node.
func (g *gen) node(n node) *corev1.Node {
	now := metav1.NewTime(g.now())
	since := metav1.NewTime(g.now().Add(-12 * day))
	cond := func(t corev1.NodeConditionType, st corev1.ConditionStatus, reason, msg string) corev1.NodeCondition {
		return corev1.NodeCondition{Type: t, Status: st, Reason: reason, Message: msg, LastHeartbeatTime: now, LastTransitionTime: since}
	}
	res := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("4"), corev1.ResourceMemory: resource.MustParse("16374584Ki"),
		corev1.ResourcePods: resource.MustParse("110"), corev1.ResourceEphemeralStorage: resource.MustParse("102626232Ki")}
	labels := map[string]string{"kubernetes.io/hostname": n.name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
		"beta.kubernetes.io/os": "linux", "beta.kubernetes.io/arch": "amd64", "topology.kubernetes.io/zone": "zone-" + n.name[len(n.name)-1:]}
	if n.name == "node-a" {
		labels["node-role.kubernetes.io/control-plane"] = ""
	}
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: n.name, Labels: labels,
			Annotations: map[string]string{"node.alpha.kubernetes.io/ttl": "0", "volumes.kubernetes.io/controller-managed-attach-detach": "true"}},
		Spec: corev1.NodeSpec{PodCIDR: "10.244." + fmt.Sprint(n.ip[len(n.ip)-1]-'2') + ".0/24", ProviderID: "kind://docker/kubelive/" + n.name},
		Status: corev1.NodeStatus{
			Capacity: res, Allocatable: res,
			Conditions: []corev1.NodeCondition{
				cond(corev1.NodeMemoryPressure, corev1.ConditionFalse, "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
				cond(corev1.NodeDiskPressure, corev1.ConditionFalse, "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
				cond(corev1.NodePIDPressure, corev1.ConditionFalse, "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
				cond(corev1.NodeReady, corev1.ConditionTrue, "KubeletReady", "kubelet is posting ready status"),
			},
			Addresses: []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: n.ip}, {Type: corev1.NodeHostName, Address: n.name}},
			NodeInfo: corev1.NodeSystemInfo{MachineID: g.hex(32), SystemUUID: g.uuid(), BootID: g.uuid(), KernelVersion: "6.8.0-48-generic",
				OSImage: "Debian GNU/Linux 12 (bookworm)", ContainerRuntimeVersion: "containerd://2.0.0", KubeletVersion: "v1.37.1",
				KubeProxyVersion: "v1.37.1", OperatingSystem: "linux", Architecture: "amd64"},
		},
	}
}

// template returns the pod template of w.
func (w workload) template() corev1.PodTemplateSpec {
	labels := map[string]string{"app": w.name}
	t := corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}}
	if w.behaviour != "" {
		t.Annotations = map[string]string{behaviourKey: w.behaviour}
	}
	for _, c := range w.containers {
		t.Spec.Containers = append(t.Spec.Containers, containerSpec(w, c))
	}
	for _, c := range w.initContainers {
		ic := containerSpec(w, c)
		ic.Ports, ic.Env = nil, nil
		t.Spec.InitContainers = append(t.Spec.InitContainers, ic)
	}
	if w.kind == kindJob {
		t.Spec.RestartPolicy = corev1.RestartPolicyNever
		return t
	}
	t.Spec.Volumes = []corev1.Volume{{Name: "config", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
		LocalObjectReference: corev1.LocalObjectReference{Name: w.name + "-config"}}}}}
	return t
}

func containerSpec(w workload, c container) corev1.Container {
	out := corev1.Container{
		Name: c.name, Image: c.image,
		Env: []corev1.EnvVar{{Name: "POD_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.name"}}},
			{Name: "LOG_LEVEL", ValueFrom: &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{
				LocalObjectReference: corev1.LocalObjectReference{Name: w.name + "-config"}, Key: "LOG_LEVEL"}}}},
		Resources: corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("128Mi")},
			Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("256Mi")},
		},
		VolumeMounts: []corev1.VolumeMount{{Name: "config", MountPath: "/etc/" + w.name}},
	}
	if w.kind == kindJob { // a Job has no ConfigMap
		out.Env, out.VolumeMounts = out.Env[:1], nil
	}
	if c.port != 0 {
		out.Ports = []corev1.ContainerPort{{Name: "http", ContainerPort: c.port, Protocol: corev1.ProtocolTCP}}
		out.ReadinessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(c.port)}},
			PeriodSeconds: 10, TimeoutSeconds: 1, SuccessThreshold: 1, FailureThreshold: 3}
	}
	return out
}

// seedConfigMap creates the ConfigMap of w (a Job has none).
func seedConfigMap(s *Store, ns string, w workload, created time.Time) error {
	if w.kind == kindJob {
		return nil
	}
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: w.name + "-config", Labels: map[string]string{"app": w.name}},
		Data: map[string]string{"LOG_LEVEL": "info", "config.yaml": "replicas: " + fmt.Sprint(w.replicas) + "\nfeature_flags:\n  fast_path: true\n"}}
	if len(w.containers) > 0 && w.containers[0].port != 0 {
		cm.Data["PORT"] = fmt.Sprint(w.containers[0].port)
	}
	if _, err := s.createAt(ConfigMaps, ns, cm, created); err != nil {
		return fmt.Errorf("seed configmap %s/%s: %w", ns, cm.Name, err)
	}
	return nil
}

func seedWorkload(s *Store, g *gen, ns string, w workload) error {
	created := g.now().Add(-w.age)
	if err := seedConfigMap(s, ns, w, created); err != nil {
		return err
	}
	owner, err := seedController(s, ns, w, created)
	if err != nil {
		return fmt.Errorf("seed %s %s/%s: %w", w.kind, ns, w.name, err)
	}
	tmpl := w.template()
	var pods []*corev1.Pod
	switch w.kind {
	case kindDaemonSet:
		for _, n := range nodes() {
			pods = append(pods, g.pod(tmpl, ns, w.name+"-"+g.suffix(5), owner, n))
		}
	case kindStatefulSet:
		for i := range w.replicas {
			pods = append(pods, g.pod(tmpl, ns, fmt.Sprintf("%s-%d", w.name, i), owner, g.pickNode()))
		}
	case kindJob:
		pods = append(pods, g.pod(tmpl, ns, w.name+"-"+g.suffix(5), owner, g.pickNode()))
	default:
		// Names are drawn again on a collision (likely past a few thousand
		// replicas, as with --scale); smaller workloads draw what they always did.
		used := make(map[string]bool, w.replicas)
		for range w.replicas {
			name := owner.Name + "-" + g.suffix(5)
			for used[name] {
				name = owner.Name + "-" + g.suffix(5)
			}
			used[name] = true
			pods = append(pods, g.pod(tmpl, ns, name, owner, g.pickNode()))
		}
	}
	for i, p := range pods {
		start := g.between(min(w.age, 3*day), 20*time.Minute)
		if w.kind == kindJob {
			start = created.Add(2 * time.Second)
		}
		g.advance(p, w.behaviour, i, start)
		st, err := s.createAt(Pods, ns, p, start)
		if err != nil {
			return fmt.Errorf("seed pod %s/%s: %w", ns, p.Name, err)
		}
		if err := seedPodEvents(s, g, st.Object.(*corev1.Pod), start); err != nil {
			return err
		}
	}
	if w.service != "" {
		if _, err := s.createAt(Services, ns, g.service(w), created); err != nil {
			return fmt.Errorf("seed service %s/%s: %w", ns, w.name, err)
		}
	}
	return syncAll(s, ns)
}

// seedController creates the controller of w's pods (and, for a Deployment, its ReplicaSet)
// and returns the owner reference its pods carry.
func seedController(s *Store, ns string, w workload, created time.Time) (metav1.OwnerReference, error) {
	tmpl := w.template()
	labels := map[string]string{"app": w.name}
	sel := &metav1.LabelSelector{MatchLabels: labels}
	replicas := w.replicas
	var obj Object
	var res string
	switch w.kind {
	case kindStatefulSet:
		res, obj = StatefulSets, &appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Name: w.name, Labels: labels},
			Spec: appsv1.StatefulSetSpec{Replicas: &replicas, Selector: sel, Template: tmpl, ServiceName: w.name,
				PodManagementPolicy: appsv1.OrderedReadyPodManagement, UpdateStrategy: appsv1.StatefulSetUpdateStrategy{Type: appsv1.RollingUpdateStatefulSetStrategyType}}}
	case kindDaemonSet:
		res, obj = DaemonSets, &appsv1.DaemonSet{ObjectMeta: metav1.ObjectMeta{Name: w.name, Labels: labels},
			Spec: appsv1.DaemonSetSpec{Selector: sel, Template: tmpl, UpdateStrategy: appsv1.DaemonSetUpdateStrategy{Type: appsv1.RollingUpdateDaemonSetStrategyType}}}
	case kindJob:
		backoff, completions := int32(0), int32(1)
		tmpl.Labels["job-name"] = w.name
		res, obj = Jobs, &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: w.name, Labels: map[string]string{"app": w.name, "job-name": w.name}},
			Spec: batchv1.JobSpec{Parallelism: &replicas, Completions: &completions, BackoffLimit: &backoff, Template: tmpl}}
	default:
		d := &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Name: w.name, Labels: labels, Annotations: map[string]string{"deployment.kubernetes.io/revision": "1"}},
			Spec: appsv1.DeploymentSpec{Replicas: &replicas, Selector: sel, Template: tmpl,
				Strategy: appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType}},
		}
		st, err := s.createAt(Deployments, ns, d, created)
		if err != nil {
			return metav1.OwnerReference{}, err
		}
		rs, err := s.createAt(ReplicaSets, ns, newReplicaSet(st.Object.(*appsv1.Deployment), 1), created)
		if err != nil {
			return metav1.OwnerReference{}, err
		}
		return ownerRef(rs.Object, "apps/v1", "ReplicaSet"), nil
	}
	st, err := s.createAt(res, ns, obj, created)
	if err != nil {
		return metav1.OwnerReference{}, err
	}
	return ownerRef(st.Object, s.res[res].GroupVersion(), s.res[res].Kind), nil
}

// newReplicaSet returns the ReplicaSet of d's current template at revision rev.
func newReplicaSet(d *appsv1.Deployment, rev int) *appsv1.ReplicaSet {
	hash := templateHash(d.Spec.Template)
	tmpl := *d.Spec.Template.DeepCopy()
	tmpl.Labels = copyLabels(tmpl.Labels, "pod-template-hash", hash)
	sel := d.Spec.Selector.DeepCopy()
	sel.MatchLabels = copyLabels(sel.MatchLabels, "pod-template-hash", hash)
	return &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: d.Name + "-" + hash, Labels: copyLabels(d.Spec.Template.Labels, "pod-template-hash", hash),
			Annotations: map[string]string{"deployment.kubernetes.io/revision": fmt.Sprint(rev),
				"deployment.kubernetes.io/desired-replicas": fmt.Sprint(derefReplicas(d.Spec.Replicas))},
			OwnerReferences: []metav1.OwnerReference{ownerRef(d, "apps/v1", "Deployment")}},
		Spec: appsv1.ReplicaSetSpec{Replicas: d.Spec.Replicas, Selector: sel, Template: tmpl},
	}
}

func copyLabels(in map[string]string, k, v string) map[string]string {
	out := make(map[string]string, len(in)+1)
	for a, b := range in {
		out[a] = b
	}
	out[k] = v
	return out
}

func ownerRef(o Object, apiVersion, kind string) metav1.OwnerReference {
	t := true
	return metav1.OwnerReference{APIVersion: apiVersion, Kind: kind, Name: o.GetName(), UID: o.GetUID(), Controller: &t, BlockOwnerDeletion: &t}
}

func (g *gen) pickNode() node {
	all := nodes()
	return all[g.rand.IntN(len(all))]
}

func (g *gen) uuid() string {
	return g.hex(8) + "-" + g.hex(4) + "-4" + g.hex(3) + "-a" + g.hex(3) + "-" + g.hex(12)
}

func (g *gen) service(w workload) *corev1.Service {
	name := w.name
	if w.serviceName != "" {
		name = w.serviceName
	}
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"app": w.name}},
		Spec: corev1.ServiceSpec{Type: w.service, Selector: map[string]string{"app": w.name}, SessionAffinity: corev1.ServiceAffinityNone}}
	for _, c := range w.containers {
		if c.port != 0 {
			svc.Spec.Ports = append(svc.Spec.Ports, corev1.ServicePort{Name: c.name, Port: c.port, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromInt32(c.port)})
		}
	}
	ip := fmt.Sprintf("10.96.%d.%d", g.rand.IntN(255), 2+g.rand.IntN(250))
	switch w.service {
	case corev1.ClusterIPNone:
		svc.Spec.Type, ip = corev1.ServiceTypeClusterIP, corev1.ClusterIPNone
	case corev1.ServiceTypeNodePort, corev1.ServiceTypeLoadBalancer:
		for i := range svc.Spec.Ports {
			svc.Spec.Ports[i].NodePort = int32(30000 + g.rand.IntN(2767))
		}
		if w.service == corev1.ServiceTypeLoadBalancer {
			svc.Status.LoadBalancer.Ingress = []corev1.LoadBalancerIngress{{IP: "172.18.255.200", IPMode: ptrTo(corev1.LoadBalancerIPModeVIP)}}
		}
	}
	svc.Spec.ClusterIP, svc.Spec.ClusterIPs = ip, []string{ip}
	return svc
}

func ptrTo[T any](v T) *T { return &v }

// secrets returns the Secrets of a namespace (the values are demo values).
func secrets(ns string) []*corev1.Secret {
	b := func(s string) []byte { return []byte(s) }
	switch ns {
	case "default":
		auth := base64.StdEncoding.EncodeToString(b("deploy:s3cr3t-t0ken"))
		return []*corev1.Secret{{ObjectMeta: metav1.ObjectMeta{Name: "registry-credentials"}, Type: corev1.SecretTypeDockerConfigJson,
			Data: map[string][]byte{corev1.DockerConfigJsonKey: b(`{"auths":{"ghcr.io":{"auth":"` + auth + `"}}}`)}}}
	case "team-a":
		return []*corev1.Secret{{ObjectMeta: metav1.ObjectMeta{Name: "web-tls", Labels: map[string]string{"app": "web"}}, Type: corev1.SecretTypeTLS,
			Data: map[string][]byte{corev1.TLSCertKey: b("-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUDemo\n-----END CERTIFICATE-----\n"),
				corev1.TLSPrivateKeyKey: b("-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIDemo\n-----END PRIVATE KEY-----\n")}}}
	case "team-b":
		return []*corev1.Secret{{ObjectMeta: metav1.ObjectMeta{Name: "postgres-credentials", Labels: map[string]string{"app": "postgres"}}, Type: corev1.SecretTypeOpaque,
			Data: map[string][]byte{"username": b("app"), "password": b("correct-horse-battery-staple"), "database": b("orders")}}}
	case "monitoring":
		return []*corev1.Secret{{ObjectMeta: metav1.ObjectMeta{Name: "grafana-admin", Labels: map[string]string{"app": "grafana"}}, Type: corev1.SecretTypeOpaque,
			Data: map[string][]byte{"admin-user": b("admin"), "admin-password": b("kubelive-demo")}}}
	}
	return nil
}

// seedWidgetCRD creates the CustomResourceDefinition of Widgets.
func seedWidgetCRD(s *Store, g *gen) error {
	col := func(name, typ, path string) any {
		return map[string]any{"name": name, "type": typ, "jsonPath": path}
	}
	crd := &unstructured.Unstructured{Object: map[string]any{
		"metadata": map[string]any{"name": Widgets + "." + WidgetGroup},
		"spec": map[string]any{
			"group": WidgetGroup, "scope": "Namespaced",
			"names": map[string]any{"plural": Widgets, "singular": "widget", "kind": "Widget", "listKind": "WidgetList", "shortNames": []any{"wg"}},
			"versions": []any{map[string]any{
				"name": "v1alpha1", "served": true, "storage": true,
				"subresources": map[string]any{"status": map[string]any{}},
				"additionalPrinterColumns": []any{col("Color", "string", ".spec.color"), col("Size", "integer", ".spec.size"),
					col("Phase", "string", ".status.phase"), col("Age", "date", ".metadata.creationTimestamp")},
				"schema": map[string]any{"openAPIV3Schema": map[string]any{"type": "object", "properties": map[string]any{
					"spec": map[string]any{"type": "object", "properties": map[string]any{
						"color": map[string]any{"type": "string"}, "size": map[string]any{"type": "integer", "minimum": int64(1)}}},
					"status": map[string]any{"type": "object", "properties": map[string]any{
						"phase": map[string]any{"type": "string"}, "observedGeneration": map[string]any{"type": "integer"}}},
				}}},
			}},
		},
		"status": map[string]any{
			"acceptedNames":  map[string]any{"plural": Widgets, "singular": "widget", "kind": "Widget", "listKind": "WidgetList", "shortNames": []any{"wg"}},
			"storedVersions": []any{"v1alpha1"},
			"conditions": []any{
				map[string]any{"type": "NamesAccepted", "status": "True", "reason": "NoConflicts", "message": "no conflicts found"},
				map[string]any{"type": "Established", "status": "True", "reason": "InitialNamesAccepted", "message": "the initial names have been accepted"},
			},
		},
	}}
	if _, err := s.createAt(CRDs, "", crd, g.now().Add(-9*day)); err != nil {
		return fmt.Errorf("seed crd %s: %w", crd.GetName(), err)
	}
	return nil
}

// seedWidgets creates the widgets of a namespace.
func seedWidgets(s *Store, g *gen, ns string) error {
	type widget struct {
		name, color string
		size        int64
		phase       string
	}
	var ws []widget
	switch ns {
	case "default":
		ws = []widget{{"sprocket", "blue", 3, "Ready"}, {"gizmo", "red", 5, "Pending"}}
	case "team-a":
		ws = []widget{{"doohickey", "green", 1, "Ready"}}
	}
	for _, w := range ws {
		obj := &unstructured.Unstructured{Object: map[string]any{
			"metadata": map[string]any{"name": w.name, "labels": map[string]any{"app.kubernetes.io/part-of": "demo"}},
			"spec":     map[string]any{"color": w.color, "size": w.size},
			"status":   map[string]any{"phase": w.phase, "observedGeneration": int64(1)},
		}}
		if _, err := s.createAt(Widgets, ns, obj, g.between(9*day, day)); err != nil {
			return fmt.Errorf("seed widget %s/%s: %w", ns, w.name, err)
		}
	}
	return nil
}

// seedPodEvents records the Events of a pod's start, when recent enough to be kept (an
// Event lives an hour), and of its trouble.
func seedPodEvents(s *Store, g *gen, p *corev1.Pod, start time.Time) error {
	var evs []*corev1.Event
	if g.now().Sub(start) < time.Hour {
		for i, reason := range []string{"Scheduled", "Pulled", "Created", "Started"} {
			evs = append(evs, g.eventAt(p, reason, start.Add(time.Duration(i)*time.Second)))
		}
	}
	switch p.Annotations[behaviourKey] {
	case "crashloop":
		e := g.eventAt(p, "BackOff", g.now().Add(-20*time.Second))
		e.FirstTimestamp, e.Count = metav1.NewTime(g.now().Add(-45*time.Minute)), 187
		evs = append(evs, e)
	case "fail":
		e := g.eventAt(p, "BackoffLimitExceeded", start.Add(50*time.Second))
		evs = append(evs, e)
	}
	for _, e := range evs {
		if _, err := s.createAt(Events, p.Namespace, e, e.FirstTimestamp.Time); err != nil {
			return fmt.Errorf("seed event for %s/%s: %w", p.Namespace, p.Name, err)
		}
	}
	return nil
}

// pod returns a new Pending pod from a template, scheduled on a node, owned by owner.
func (g *gen) pod(tmpl corev1.PodTemplateSpec, ns, name string, owner metav1.OwnerReference, n node) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: *tmpl.ObjectMeta.DeepCopy(), Spec: *tmpl.Spec.DeepCopy()}
	p.Name, p.Namespace = name, ns
	p.OwnerReferences = []metav1.OwnerReference{owner}
	if owner.Kind == "ReplicaSet" || owner.Kind == "DaemonSet" {
		p.GenerateName = name[:len(name)-5]
	}
	if owner.Kind == "StatefulSet" {
		p.Labels = copyLabels(p.Labels, "statefulset.kubernetes.io/pod-name", name)
		p.Spec.Hostname, p.Spec.Subdomain = name, owner.Name
	}
	token := "kube-api-access-" + g.suffix(5)
	expiry := int64(3607)
	for i := range p.Spec.Containers {
		p.Spec.Containers[i].VolumeMounts = append(p.Spec.Containers[i].VolumeMounts,
			corev1.VolumeMount{Name: token, MountPath: "/var/run/secrets/kubernetes.io/serviceaccount", ReadOnly: true})
	}
	p.Spec.Volumes = append(p.Spec.Volumes, corev1.Volume{Name: token, VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{
		Sources: []corev1.VolumeProjection{
			{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{ExpirationSeconds: &expiry, Path: "token"}},
			{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "kube-root-ca.crt"},
				Items: []corev1.KeyToPath{{Key: "ca.crt", Path: "ca.crt"}}}},
		}}}})
	p.Spec.Tolerations = []corev1.Toleration{
		{Key: "node.kubernetes.io/not-ready", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptrTo(int64(300))},
		{Key: "node.kubernetes.io/unreachable", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptrTo(int64(300))},
	}
	p.Spec.NodeName = n.name
	now := metav1.NewTime(g.now())
	p.Status = corev1.PodStatus{Phase: corev1.PodPending, HostIP: n.ip, HostIPs: []corev1.HostIP{{IP: n.ip}}, StartTime: &now,
		QOSClass:   corev1.PodQOSBurstable,
		Conditions: []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: now}}}
	for _, c := range p.Spec.InitContainers {
		p.Status.InitContainerStatuses = append(p.Status.InitContainerStatuses, corev1.ContainerStatus{Name: c.Name, Image: c.Image,
			State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "PodInitializing"}}})
	}
	for _, c := range p.Spec.Containers {
		reason := "ContainerCreating"
		if len(p.Spec.InitContainers) > 0 {
			reason = "PodInitializing"
		}
		p.Status.ContainerStatuses = append(p.Status.ContainerStatuses, corev1.ContainerStatus{Name: c.Name, Image: c.Image,
			State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason}}})
	}
	return p
}

// advance moves a new pod to where its behaviour leads, as of start: Running (or, for the
// "crashloop" behaviour, CrashLoopBackOff with restarts), Succeeded or Failed for a Job's
// pod, Init:1/2 for an "init-stuck" StatefulSet's pods after the first.
func (g *gen) advance(p *corev1.Pod, behaviour string, ordinal int, start time.Time) {
	switch {
	case behaviour == "init-stuck" && ordinal > 0:
		g.initStuck(p, start)
	case behaviour == "complete":
		g.finish(p, start, 0)
	case behaviour == "fail":
		g.finish(p, start, 1)
	default:
		g.run(p, start)
	}
}

// run moves p to Running as of t: conditions, container statuses, pod IP. A pod of the
// "crashloop" behaviour is Running with its container in CrashLoopBackOff.
func (g *gen) run(p *corev1.Pod, t time.Time) {
	at := metav1.NewTime(t)
	ip := fmt.Sprintf("10.244.%d.%d", g.rand.IntN(3), 2+g.rand.IntN(250))
	p.Status.Phase = corev1.PodRunning
	p.Status.StartTime = &at
	p.Status.PodIP, p.Status.PodIPs = ip, []corev1.PodIP{{IP: ip}}
	p.Status.InitContainerStatuses = nil
	for _, c := range p.Spec.InitContainers {
		p.Status.InitContainerStatuses = append(p.Status.InitContainerStatuses, g.terminated(c, t, t.Add(2*time.Second), 0))
	}
	p.Status.ContainerStatuses = nil
	started := true
	for _, c := range p.Spec.Containers {
		p.Status.ContainerStatuses = append(p.Status.ContainerStatuses, corev1.ContainerStatus{
			Name: c.Name, Image: c.Image, ImageID: imageID(c.Image, g), ContainerID: "containerd://" + g.hex(64), Ready: true, Started: &started,
			State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: at}},
		})
	}
	ready := corev1.ConditionTrue
	if p.Annotations[behaviourKey] == "crashloop" {
		ready = corev1.ConditionFalse
		g.crash(p, t, 1+g.rand.Int32N(12))
	}
	p.Status.Conditions = nil
	for _, c := range []corev1.PodConditionType{"PodReadyToStartContainers", corev1.PodInitialized, corev1.PodReady, corev1.ContainersReady, corev1.PodScheduled} {
		st := corev1.ConditionTrue
		if c == corev1.PodReady || c == corev1.ContainersReady {
			st = ready
		}
		p.Status.Conditions = append(p.Status.Conditions, corev1.PodCondition{Type: c, Status: st, LastTransitionTime: at})
	}
}

// crash restarts the first container of a crash-looping pod n more times: it is waiting in
// CrashLoopBackOff, its last run ended with exit code 1, and the back-off doubles per restart
// up to five minutes.
func (g *gen) crash(p *corev1.Pod, t time.Time, n int32) {
	cs := &p.Status.ContainerStatuses[0]
	cs.RestartCount += n
	backoff := 10 * time.Second << min(cs.RestartCount, 5)
	backoff = min(backoff, 5*time.Minute)
	started := false
	cs.Ready, cs.Started = false, &started
	cs.LastTerminationState = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 1, Reason: "Error",
		StartedAt: metav1.NewTime(t.Add(-3 * time.Second)), FinishedAt: metav1.NewTime(t), ContainerID: cs.ContainerID}}
	cs.ContainerID = "containerd://" + g.hex(64)
	cs.State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff",
		Message: fmt.Sprintf("back-off %s restarting failed container=%s pod=%s_%s(%s)", backoff, cs.Name, p.Name, p.Namespace, p.UID)}}
}

// initStuck leaves p in its last init container (Init:N-1/N).
func (g *gen) initStuck(p *corev1.Pod, t time.Time) {
	at := metav1.NewTime(t)
	p.Status.StartTime = &at
	ip := fmt.Sprintf("10.244.%d.%d", g.rand.IntN(3), 2+g.rand.IntN(250))
	p.Status.PodIP, p.Status.PodIPs = ip, []corev1.PodIP{{IP: ip}}
	last := len(p.Spec.InitContainers) - 1
	for i, c := range p.Spec.InitContainers {
		if i < last {
			p.Status.InitContainerStatuses[i] = g.terminated(c, t, t.Add(2*time.Second), 0)
			continue
		}
		started := true
		p.Status.InitContainerStatuses[i] = corev1.ContainerStatus{Name: c.Name, Image: c.Image, ImageID: imageID(c.Image, g),
			ContainerID: "containerd://" + g.hex(64), Started: &started,
			State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.NewTime(t.Add(3 * time.Second))}}}
	}
	p.Status.Conditions = []corev1.PodCondition{
		{Type: "PodReadyToStartContainers", Status: corev1.ConditionTrue, LastTransitionTime: at},
		{Type: corev1.PodInitialized, Status: corev1.ConditionFalse, Reason: "ContainersNotInitialized",
			Message: "containers with incomplete status: [" + p.Spec.InitContainers[last].Name + "]", LastTransitionTime: at},
		{Type: corev1.PodReady, Status: corev1.ConditionFalse, Reason: "ContainersNotReady", LastTransitionTime: at},
		{Type: corev1.ContainersReady, Status: corev1.ConditionFalse, Reason: "ContainersNotReady", LastTransitionTime: at},
		{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: at},
	}
}

// finish ends a Job's pod that ran from t: Succeeded with exit code 0, Failed otherwise.
func (g *gen) finish(p *corev1.Pod, t time.Time, code int32) {
	g.run(p, t)
	end := t.Add(45 * time.Second)
	p.Status.Phase = corev1.PodSucceeded
	reason := "PodCompleted"
	if code != 0 {
		p.Status.Phase, reason = corev1.PodFailed, "PodFailed"
	}
	p.Status.PodIP, p.Status.PodIPs = "", nil
	for i, c := range p.Spec.Containers {
		st := g.terminated(c, t, end, code)
		st.ContainerID = p.Status.ContainerStatuses[i].ContainerID
		p.Status.ContainerStatuses[i] = st
	}
	for i := range p.Status.Conditions {
		c := &p.Status.Conditions[i]
		if c.Type == corev1.PodReady || c.Type == corev1.ContainersReady || c.Type == "PodReadyToStartContainers" {
			c.Status, c.Reason, c.LastTransitionTime = corev1.ConditionFalse, reason, metav1.NewTime(end)
		}
	}
}

func (g *gen) terminated(c corev1.Container, from, to time.Time, code int32) corev1.ContainerStatus {
	reason := "Completed"
	if code != 0 {
		reason = "Error"
	}
	started := false
	return corev1.ContainerStatus{Name: c.Name, Image: c.Image, ImageID: imageID(c.Image, g), ContainerID: "containerd://" + g.hex(64), Started: &started,
		State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: code, Reason: reason,
			StartedAt: metav1.NewTime(from), FinishedAt: metav1.NewTime(to)}}}
}

func imageID(image string, g *gen) string {
	name := image
	for i := len(image) - 1; i >= 0; i-- {
		if image[i] == ':' {
			name = image[:i]
			break
		}
	}
	return name + "@sha256:" + g.hex(64)
}

// event returns a core/v1 Event about pod p, as of now.
func (g *gen) event(p *corev1.Pod, reason string) *corev1.Event { return g.eventAt(p, reason, g.now()) }

// eventAt returns a core/v1 Event about pod p at time t.
func (g *gen) eventAt(p *corev1.Pod, reason string, t time.Time) *corev1.Event {
	typ, msg, component := corev1.EventTypeNormal, "", "kubelet"
	c := p.Spec.Containers[0]
	port := int32(80)
	if len(c.Ports) > 0 {
		port = c.Ports[0].ContainerPort
	}
	switch reason {
	case "Scheduled":
		msg, component = fmt.Sprintf("Successfully assigned %s/%s to %s", p.Namespace, p.Name, p.Spec.NodeName), "default-scheduler"
	case "Pulled":
		msg = fmt.Sprintf("Container image %q already present on machine", c.Image)
	case "Created":
		msg = "Created container: " + c.Name
	case "Started":
		msg = "Started container " + c.Name
	case "Killing":
		msg = "Stopping container " + c.Name
	case "BackOff":
		typ, msg = corev1.EventTypeWarning, fmt.Sprintf("Back-off restarting failed container %s in pod %s", c.Name, p.Name)
	case "Unhealthy":
		typ, msg = corev1.EventTypeWarning, fmt.Sprintf("Readiness probe failed: dial tcp %s:%d: connect: connection refused", p.Status.PodIP, port)
	case "BackoffLimitExceeded":
		typ, msg, component = corev1.EventTypeWarning, "Job has reached the specified backoff limit", "job-controller"
	}
	at := metav1.NewTime(t)
	e := &corev1.Event{
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s.%s", p.Name, g.hex(16))},
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: p.Namespace, Name: p.Name, UID: p.UID, APIVersion: "v1",
			ResourceVersion: p.ResourceVersion, FieldPath: "spec.containers{" + c.Name + "}"},
		Reason: reason, Message: msg, Type: typ, Count: 1,
		Source:         corev1.EventSource{Component: component, Host: p.Spec.NodeName},
		FirstTimestamp: at, LastTimestamp: at, ReportingController: component, ReportingInstance: p.Spec.NodeName,
	}
	if reason == "BackoffLimitExceeded" && len(p.OwnerReferences) > 0 {
		o := p.OwnerReferences[0]
		e.Name = fmt.Sprintf("%s.%s", o.Name, g.hex(16))
		e.InvolvedObject = corev1.ObjectReference{Kind: o.Kind, Namespace: p.Namespace, Name: o.Name, UID: o.UID, APIVersion: o.APIVersion}
		e.Source.Host, e.ReportingInstance = "", ""
	}
	return e
}

// ScaleNamespace is the namespace SeedScale fills.
const ScaleNamespace = "scale"

// SeedScale adds the namespace "scale" with a Deployment "load" of n replicas, its ReplicaSet
// and n Running pods like the others (about 3 KB of JSON each), for tests of many pods; churn
// then keeps them as it keeps the rest.
func SeedScale(s *Store, n int, seed uint64) error {
	if n <= 0 {
		return nil
	}
	g := &gen{rand: rand.New(rand.NewPCG(seed^0x5ca1e, seed)), now: s.now}
	if _, err := s.createAt(Namespaces, "", &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ScaleNamespace}}, g.now().Add(-day)); err != nil {
		return fmt.Errorf("seed namespace %s: %w", ScaleNamespace, err)
	}
	w := workload{kind: kindDeployment, name: "load", containers: []container{{"load", "ghcr.io/kubelive/load:1.0.0", 8080}},
		replicas: int32(n), service: corev1.ServiceTypeClusterIP, age: day}
	return seedWorkload(s, g, ScaleNamespace, w)
}
