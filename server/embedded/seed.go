package embedded

import (
	"fmt"
	"math/rand/v2"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// DefaultNamespaces are the namespaces Seed creates when given none.
func DefaultNamespaces() []string {
	return []string{"default", "kube-system", "team-a", "team-b", "monitoring"}
}

// app is one workload of the seeded cluster: a Deployment, its ReplicaSet (not served, only
// referenced) and its pods.
type app struct {
	namespace, name, image string
	port                   int32
	replicas               int32
	hash                   string    // pod-template-hash
	rsUID                  types.UID // uid of the (virtual) ReplicaSet owning the pods
}

func catalog(ns string) []app {
	switch ns {
	case "default":
		return []app{{name: "nginx", image: "nginx:1.27.2", port: 80, replicas: 3}, {name: "redis", image: "redis:7.4.1", port: 6379, replicas: 1}}
	case "kube-system":
		return []app{{name: "coredns", image: "registry.k8s.io/coredns/coredns:v1.11.3", port: 53, replicas: 2},
			{name: "metrics-server", image: "registry.k8s.io/metrics-server/metrics-server:v0.7.2", port: 10250, replicas: 1}}
	case "team-a":
		return []app{{name: "web", image: "ghcr.io/team-a/web:2.3.1", port: 8080, replicas: 3}, {name: "worker", image: "ghcr.io/team-a/worker:2.3.1", port: 9090, replicas: 2}}
	case "team-b":
		return []app{{name: "api", image: "ghcr.io/team-b/api:1.8.0", port: 8443, replicas: 2}, {name: "cache", image: "memcached:1.6.31", port: 11211, replicas: 1}}
	case "monitoring":
		return []app{{name: "prometheus", image: "quay.io/prometheus/prometheus:v2.54.1", port: 9090, replicas: 1},
			{name: "grafana", image: "grafana/grafana:11.2.0", port: 3000, replicas: 1}}
	default:
		return []app{{name: "app", image: "nginx:1.27.2", port: 80, replicas: 2}}
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

// Seed creates namespaces (DefaultNamespaces when empty), and in each the deployments of its
// catalog with running pods, a configmap per app plus kube-root-ca.crt, and the events of the
// pods' start. Everything goes through the store's write API.
func Seed(s *Store, namespaces []string, seed uint64) error {
	if len(namespaces) == 0 {
		namespaces = DefaultNamespaces()
	}
	g := &gen{rand: rand.New(rand.NewPCG(seed, seed+1)), now: s.now}
	for _, ns := range namespaces {
		if _, err := s.Create(Namespaces, "", &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
			return fmt.Errorf("seed namespace %s: %w", ns, err)
		}
		ca := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "kube-root-ca.crt"},
			Data: map[string]string{"ca.crt": "-----BEGIN CERTIFICATE-----\nMIIC/jCCAeagAwIBAgIBADANBgkqhkiG9w0BAQsFADAVMRMwEQYDVQQDEwprdWJl\n-----END CERTIFICATE-----\n"}}
		if _, err := s.Create(ConfigMaps, ns, ca); err != nil {
			return fmt.Errorf("seed configmap %s/kube-root-ca.crt: %w", ns, err)
		}
		for _, a := range catalog(ns) {
			a.namespace, a.hash, a.rsUID = ns, g.suffix(10), types.UID(g.uuid())
			if err := seedApp(s, g, &a); err != nil {
				return err
			}
		}
	}
	return nil
}

func seedApp(s *Store, g *gen, a *app) error {
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: a.name + "-config", Labels: map[string]string{"app": a.name}},
		Data: map[string]string{"LOG_LEVEL": "info", "PORT": fmt.Sprint(a.port), "config.yaml": "replicas: " + fmt.Sprint(a.replicas) + "\nfeature_flags:\n  fast_path: true\n"}}
	if _, err := s.Create(ConfigMaps, a.namespace, cm); err != nil {
		return fmt.Errorf("seed configmap %s/%s: %w", a.namespace, cm.Name, err)
	}
	if _, err := s.Create(Deployments, a.namespace, deployment(a)); err != nil {
		return fmt.Errorf("seed deployment %s/%s: %w", a.namespace, a.name, err)
	}
	for range a.replicas {
		pod := g.pod(a)
		g.run(pod)
		st, err := s.Create(Pods, a.namespace, pod)
		if err != nil {
			return fmt.Errorf("seed pod %s/%s: %w", a.namespace, pod.Name, err)
		}
		for _, reason := range []string{"Scheduled", "Pulled", "Created", "Started"} {
			if _, err := s.Create(Events, a.namespace, g.event(st.Object.(*corev1.Pod), reason)); err != nil {
				return fmt.Errorf("seed event for %s/%s: %w", a.namespace, pod.Name, err)
			}
		}
	}
	return nil
}

func (g *gen) uuid() string {
	return g.hex(8) + "-" + g.hex(4) + "-4" + g.hex(3) + "-a" + g.hex(3) + "-" + g.hex(12)
}

func deployment(a *app) *appsv1.Deployment {
	labels := map[string]string{"app": a.name}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: a.name, Labels: labels,
			Annotations: map[string]string{"deployment.kubernetes.io/revision": "1"}},
		Spec: appsv1.DeploymentSpec{
			Replicas: &a.replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: podSpec(a, "")},
			Strategy: appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType},
		},
		Status: appsv1.DeploymentStatus{ObservedGeneration: 1, Replicas: a.replicas, UpdatedReplicas: a.replicas,
			ReadyReplicas: a.replicas, AvailableReplicas: a.replicas,
			Conditions: []appsv1.DeploymentCondition{
				{Type: appsv1.DeploymentAvailable, Status: corev1.ConditionTrue, Reason: "MinimumReplicasAvailable", Message: "Deployment has minimum availability."},
				{Type: appsv1.DeploymentProgressing, Status: corev1.ConditionTrue, Reason: "NewReplicaSetAvailable",
					Message: fmt.Sprintf("ReplicaSet %q has successfully progressed.", a.name+"-"+a.hash)},
			}},
	}
}

func podSpec(a *app, token string) corev1.PodSpec {
	readOnly := true
	spec := corev1.PodSpec{
		Containers: []corev1.Container{{
			Name: a.name, Image: a.image,
			Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: a.port, Protocol: corev1.ProtocolTCP}},
			Env: []corev1.EnvVar{{Name: "POD_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.name"}}},
				{Name: "LOG_LEVEL", ValueFrom: &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{
					LocalObjectReference: corev1.LocalObjectReference{Name: a.name + "-config"}, Key: "LOG_LEVEL"}}}},
			Resources: corev1.ResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("128Mi")},
				Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("256Mi")},
			},
			VolumeMounts: []corev1.VolumeMount{{Name: "config", MountPath: "/etc/" + a.name}},
		}},
		Volumes: []corev1.Volume{{Name: "config", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: a.name + "-config"}}}}},
	}
	if token != "" {
		name := "kube-api-access-" + token
		expiry := int64(3607)
		spec.Containers[0].VolumeMounts = append(spec.Containers[0].VolumeMounts,
			corev1.VolumeMount{Name: name, MountPath: "/var/run/secrets/kubernetes.io/serviceaccount", ReadOnly: readOnly})
		spec.Volumes = append(spec.Volumes, corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{
			Sources: []corev1.VolumeProjection{
				{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{ExpirationSeconds: &expiry, Path: "token"}},
				{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "kube-root-ca.crt"},
					Items: []corev1.KeyToPath{{Key: "ca.crt", Path: "ca.crt"}}}},
			}}}})
		spec.Tolerations = []corev1.Toleration{
			{Key: "node.kubernetes.io/not-ready", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: &[]int64{300}[0]},
			{Key: "node.kubernetes.io/unreachable", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: &[]int64{300}[0]},
		}
	}
	return spec
}

// pod returns a new Pending pod of a, scheduled on a node, owned by a's ReplicaSet.
func (g *gen) pod(a *app) *corev1.Pod {
	all := nodes()
	node := all[g.rand.IntN(len(all))]
	controller := true
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name:   a.name + "-" + a.hash + "-" + g.suffix(5),
			Labels: map[string]string{"app": a.name, "pod-template-hash": a.hash},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: a.name + "-" + a.hash,
				UID: a.rsUID, Controller: &controller, BlockOwnerDeletion: &controller}},
		},
		Spec: podSpec(a, g.suffix(5)),
	}
	p.GenerateName = a.name + "-" + a.hash + "-"
	p.Spec.NodeName = node.name
	now := metav1.NewTime(g.now())
	p.Status = corev1.PodStatus{Phase: corev1.PodPending, HostIP: node.ip, HostIPs: []corev1.HostIP{{IP: node.ip}}, StartTime: &now,
		QOSClass:   corev1.PodQOSBurstable,
		Conditions: []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: now}},
		ContainerStatuses: []corev1.ContainerStatus{{Name: a.name, Image: a.image,
			State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}}}}}
	return p
}

// run moves p to Running: conditions, container status, pod IP.
func (g *gen) run(p *corev1.Pod) {
	now := metav1.NewTime(g.now())
	ip := fmt.Sprintf("10.244.%d.%d", g.rand.IntN(3), 2+g.rand.IntN(250))
	p.Status.Phase = corev1.PodRunning
	p.Status.PodIP, p.Status.PodIPs = ip, []corev1.PodIP{{IP: ip}}
	p.Status.Conditions = nil
	for _, c := range []corev1.PodConditionType{"PodReadyToStartContainers", corev1.PodInitialized, corev1.PodReady, corev1.ContainersReady, corev1.PodScheduled} {
		p.Status.Conditions = append(p.Status.Conditions, corev1.PodCondition{Type: c, Status: corev1.ConditionTrue, LastTransitionTime: now})
	}
	c := p.Spec.Containers[0]
	started := true
	p.Status.ContainerStatuses = []corev1.ContainerStatus{{
		Name: c.Name, Image: c.Image, ImageID: "docker.io/library/" + c.Name + "@sha256:" + g.hex(64),
		ContainerID: "containerd://" + g.hex(64), Ready: true, Started: &started,
		State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: now}},
	}}
}

// event returns a core/v1 Event about pod p.
func (g *gen) event(p *corev1.Pod, reason string) *corev1.Event {
	typ, msg, component := corev1.EventTypeNormal, "", "kubelet"
	image := p.Spec.Containers[0].Image
	switch reason {
	case "Scheduled":
		msg, component = fmt.Sprintf("Successfully assigned %s/%s to %s", p.Namespace, p.Name, p.Spec.NodeName), "default-scheduler"
	case "Pulled":
		msg = fmt.Sprintf("Container image %q already present on machine", image)
	case "Created":
		msg = "Created container: " + p.Spec.Containers[0].Name
	case "Started":
		msg = "Started container " + p.Spec.Containers[0].Name
	case "Killing":
		msg = "Stopping container " + p.Spec.Containers[0].Name
	case "BackOff":
		typ, msg = corev1.EventTypeWarning, fmt.Sprintf("Back-off restarting failed container %s in pod %s", p.Spec.Containers[0].Name, p.Name)
	case "Unhealthy":
		typ, msg = corev1.EventTypeWarning, fmt.Sprintf("Readiness probe failed: Get \"http://%s:%d/healthz\": context deadline exceeded", p.Status.PodIP, p.Spec.Containers[0].Ports[0].ContainerPort)
	}
	now := metav1.NewTime(g.now())
	return &corev1.Event{
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s.%s", p.Name, g.hex(16))},
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: p.Namespace, Name: p.Name, UID: p.UID, APIVersion: "v1",
			ResourceVersion: p.ResourceVersion, FieldPath: "spec.containers{" + p.Spec.Containers[0].Name + "}"},
		Reason: reason, Message: msg, Type: typ, Count: 1,
		Source:         corev1.EventSource{Component: component, Host: p.Spec.NodeName},
		FirstTimestamp: now, LastTimestamp: now, ReportingController: component, ReportingInstance: p.Spec.NodeName,
	}
}
