package main

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// The pod types below are ordered like the API server's JSON, so the bytes
// look like what a real watch carries. Only the fields a realistic pod has.

type pod struct {
	Kind       string   `json:"kind,omitempty"`
	APIVersion string   `json:"apiVersion,omitempty"`
	Metadata   metadata `json:"metadata"`
	Spec       spec     `json:"spec"`
	Status     status   `json:"status"`
}

type metadata struct {
	Name              string            `json:"name"`
	GenerateName      string            `json:"generateName"`
	Namespace         string            `json:"namespace"`
	UID               string            `json:"uid"`
	ResourceVersion   string            `json:"resourceVersion"`
	CreationTimestamp string            `json:"creationTimestamp"`
	Labels            map[string]string `json:"labels"`
	Annotations       map[string]string `json:"annotations"`
	OwnerReferences   []ownerRef        `json:"ownerReferences"`
}

type ownerRef struct {
	APIVersion         string `json:"apiVersion"`
	Kind               string `json:"kind"`
	Name               string `json:"name"`
	UID                string `json:"uid"`
	Controller         bool   `json:"controller"`
	BlockOwnerDeletion bool   `json:"blockOwnerDeletion"`
}

type spec struct {
	Volumes                       []volume       `json:"volumes"`
	Containers                    []container    `json:"containers"`
	RestartPolicy                 string         `json:"restartPolicy"`
	TerminationGracePeriodSeconds int            `json:"terminationGracePeriodSeconds"`
	DNSPolicy                     string         `json:"dnsPolicy"`
	ServiceAccountName            string         `json:"serviceAccountName"`
	ServiceAccount                string         `json:"serviceAccount"`
	NodeName                      string         `json:"nodeName"`
	SecurityContext               map[string]int `json:"securityContext"`
	SchedulerName                 string         `json:"schedulerName"`
	Tolerations                   []toleration   `json:"tolerations"`
	Priority                      int            `json:"priority"`
	EnableServiceLinks            bool           `json:"enableServiceLinks"`
	PreemptionPolicy              string         `json:"preemptionPolicy"`
}

type volume struct {
	Name      string     `json:"name"`
	Projected *projected `json:"projected,omitempty"`
	ConfigMap *configMap `json:"configMap,omitempty"`
}

type projected struct {
	Sources     []any `json:"sources"`
	DefaultMode int   `json:"defaultMode"`
}

type configMap struct {
	Name        string `json:"name"`
	DefaultMode int    `json:"defaultMode"`
}

type container struct {
	Name                     string        `json:"name"`
	Image                    string        `json:"image"`
	Args                     []string      `json:"args"`
	Ports                    []port        `json:"ports"`
	Env                      []envVar      `json:"env"`
	Resources                resources     `json:"resources"`
	VolumeMounts             []volumeMount `json:"volumeMounts"`
	TerminationMessagePath   string        `json:"terminationMessagePath"`
	TerminationMessagePolicy string        `json:"terminationMessagePolicy"`
	ImagePullPolicy          string        `json:"imagePullPolicy"`
}

type port struct {
	Name          string `json:"name"`
	ContainerPort int    `json:"containerPort"`
	Protocol      string `json:"protocol"`
}

type envVar struct {
	Name      string    `json:"name"`
	Value     string    `json:"value,omitempty"`
	ValueFrom *fieldRef `json:"valueFrom,omitempty"`
}

type fieldRef struct {
	FieldRef struct {
		APIVersion string `json:"apiVersion"`
		FieldPath  string `json:"fieldPath"`
	} `json:"fieldRef"`
}

type resources struct {
	Limits   map[string]string `json:"limits"`
	Requests map[string]string `json:"requests"`
}

type volumeMount struct {
	Name      string `json:"name"`
	ReadOnly  bool   `json:"readOnly"`
	MountPath string `json:"mountPath"`
}

type toleration struct {
	Key               string `json:"key"`
	Operator          string `json:"operator"`
	Effect            string `json:"effect"`
	TolerationSeconds int    `json:"tolerationSeconds"`
}

type status struct {
	Phase             string            `json:"phase"`
	Conditions        []condition       `json:"conditions"`
	HostIP            string            `json:"hostIP"`
	PodIP             string            `json:"podIP"`
	PodIPs            []ip              `json:"podIPs"`
	StartTime         string            `json:"startTime"`
	ContainerStatuses []containerStatus `json:"containerStatuses"`
	QOSClass          string            `json:"qosClass"`
}

type condition struct {
	Type               string  `json:"type"`
	Status             string  `json:"status"`
	LastProbeTime      *string `json:"lastProbeTime"`
	LastTransitionTime string  `json:"lastTransitionTime"`
}

type ip struct {
	IP string `json:"ip"`
}

type containerStatus struct {
	Name         string         `json:"name"`
	State        map[string]any `json:"state"`
	LastState    map[string]any `json:"lastState"`
	Ready        bool           `json:"ready"`
	RestartCount int            `json:"restartCount"`
	Image        string         `json:"image"`
	ImageID      string         `json:"imageID"`
	ContainerID  string         `json:"containerID"`
	Started      bool           `json:"started"`
}

var (
	apps  = []string{"web", "api", "worker", "cache", "gateway", "auth", "search", "billing", "ingest", "notifier"}
	tiers = []string{"frontend", "backend", "batch", "data"}
	epoch = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
)

// hex returns n random lowercase hex digits.
func hex(r *rand.Rand, n int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[r.IntN(16)]
	}
	return string(b)
}

func uid(r *rand.Rand) string {
	return hex(r, 8) + "-" + hex(r, 4) + "-4" + hex(r, 3) + "-a" + hex(r, 3) + "-" + hex(r, 12)
}

func ts(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// newPod builds pod number i of namespace ns with resourceVersion rv.
func newPod(r *rand.Rand, i int, ns, rv string) *pod {
	app := apps[i%len(apps)]
	hash := hex(r, 10)
	rs := app + "-" + hash
	name := fmt.Sprintf("%s-%s-%05d", rs, hex(r, 5), i)
	created := epoch.Add(time.Duration(i) * time.Second)
	node := fmt.Sprintf("node-%d.example.internal", r.IntN(200))
	podIP := fmt.Sprintf("10.%d.%d.%d", 200+r.IntN(50), r.IntN(256), 1+r.IntN(254))
	hostIP := fmt.Sprintf("10.0.%d.%d", r.IntN(256), 1+r.IntN(254))
	image := fmt.Sprintf("registry.example.com/%s/%s:1.%d.%d", ns, app, r.IntN(60), r.IntN(20))
	token := "kube-api-access-" + hex(r, 5)
	p := &pod{
		Kind: "Pod", APIVersion: "v1",
		Metadata: metadata{
			Name: name, GenerateName: rs + "-", Namespace: ns, UID: uid(r), ResourceVersion: rv,
			CreationTimestamp: ts(created),
			Labels: map[string]string{
				"app.kubernetes.io/name": app, "app.kubernetes.io/part-of": ns,
				"pod-template-hash": hash, "tier": tiers[i%len(tiers)],
			},
			Annotations: map[string]string{
				"kubectl.kubernetes.io/restartedAt": ts(created.Add(-time.Minute)),
				"prometheus.io/scrape":              "true", "prometheus.io/port": "9102",
				"kubelive.bench/revision": "0",
			},
			OwnerReferences: []ownerRef{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: rs, UID: uid(r), Controller: true, BlockOwnerDeletion: true}},
		},
		Spec: spec{
			Volumes: []volume{
				{Name: token, Projected: &projected{DefaultMode: 420, Sources: []any{
					map[string]any{"serviceAccountToken": map[string]any{"expirationSeconds": 3607, "path": "token"}},
					map[string]any{"configMap": map[string]any{"name": "kube-root-ca.crt", "items": []any{map[string]string{"key": "ca.crt", "path": "ca.crt"}}}},
				}}},
				{Name: "config", ConfigMap: &configMap{Name: app + "-config", DefaultMode: 420}},
			},
			Containers: []container{{
				Name: app, Image: image,
				Args:  []string{"--listen=:8080", "--metrics=:9102"},
				Ports: []port{{"http", 8080, "TCP"}, {"metrics", 9102, "TCP"}},
				Env: []envVar{
					podNameEnv(),
					{Name: "DB_HOST", Value: "postgres." + ns + ".svc.cluster.local"},
					{Name: "CACHE_TTL", Value: fmt.Sprintf("%ds", 10+r.IntN(50))},
				},
				Resources: resources{
					Limits:   map[string]string{"cpu": "500m", "memory": "256Mi"},
					Requests: map[string]string{"cpu": "100m", "memory": "128Mi"},
				},
				VolumeMounts: []volumeMount{
					{Name: "config", ReadOnly: true, MountPath: "/etc/" + app},
					{Name: token, ReadOnly: true, MountPath: "/var/run/secrets/kubernetes.io/serviceaccount"},
				},
				TerminationMessagePath: "/dev/termination-log", TerminationMessagePolicy: "File", ImagePullPolicy: "IfNotPresent",
			}},
			RestartPolicy: "Always", TerminationGracePeriodSeconds: 30, DNSPolicy: "ClusterFirst",
			ServiceAccountName: app, ServiceAccount: app, NodeName: node,
			SecurityContext: map[string]int{"fsGroup": 2000}, SchedulerName: "default-scheduler",
			Tolerations: []toleration{
				{"node.kubernetes.io/not-ready", "Exists", "NoExecute", 300},
				{"node.kubernetes.io/unreachable", "Exists", "NoExecute", 300},
			},
			EnableServiceLinks: true, PreemptionPolicy: "PreemptLowerPriority",
		},
		Status: status{
			Phase:  "Running",
			HostIP: hostIP, PodIP: podIP, PodIPs: []ip{{podIP}},
			StartTime: ts(created),
			ContainerStatuses: []containerStatus{{
				Name: app, LastState: map[string]any{}, Ready: true, Image: image,
				ImageID:     "registry.example.com/" + ns + "/" + app + "@sha256:" + hex(r, 64),
				ContainerID: "containerd://" + hex(r, 64), Started: true,
			}},
			QOSClass: "Burstable",
		},
	}
	setRunning(p, created.Add(4*time.Second), 0)
	return p
}

func podNameEnv() envVar {
	e := envVar{Name: "POD_NAME", ValueFrom: &fieldRef{}}
	e.ValueFrom.FieldRef.APIVersion, e.ValueFrom.FieldRef.FieldPath = "v1", "metadata.name"
	return e
}

// setRunning sets the pod's conditions and container state as of t.
func setRunning(p *pod, t time.Time, restarts int) {
	cs := &p.Status.ContainerStatuses[0]
	cs.RestartCount = restarts
	cs.State = map[string]any{"running": map[string]string{"startedAt": ts(t)}}
	p.Status.Conditions = []condition{
		{Type: "Initialized", Status: "True", LastTransitionTime: ts(t.Add(-4 * time.Second))},
		{Type: "Ready", Status: "True", LastTransitionTime: ts(t)},
		{Type: "ContainersReady", Status: "True", LastTransitionTime: ts(t)},
		{Type: "PodScheduled", Status: "True", LastTransitionTime: ts(t.Add(-4 * time.Second))},
	}
}

// modify is what a MODIFIED event does to a pod: a restart, a new revision
// annotation, sometimes a readiness flip.
func modify(r *rand.Rand, p *pod, seq int, rv string) {
	p.Metadata.ResourceVersion = rv
	p.Metadata.Annotations["kubelive.bench/revision"] = fmt.Sprint(seq)
	cs := &p.Status.ContainerStatuses[0]
	t := epoch.Add(time.Hour + time.Duration(seq)*time.Millisecond*37)
	setRunning(p, t, cs.RestartCount+1)
	if r.IntN(4) == 0 {
		cs.Ready = false
		p.Status.Conditions[1].Status, p.Status.Conditions[2].Status = "False", "False"
	}
}
