// Package pluginargs registers the ecotel plugins' argument types with
// kube-scheduler's configuration scheme, so that a KubeSchedulerConfiguration's
// pluginConfig[].args are decoded strictly into the typed struct (unknown
// fields are errors), defaulted, and handed to the plugin's factory — the way
// kubernetes-sigs/scheduler-plugins registers its args.
//
// Each args type has a single Go type registered under both the internal and
// the v1 version of kubescheduler.config.k8s.io: the types are small and
// versioned together with the plugins, so separate internal types and
// conversion functions would add code without adding safety.
package pluginargs

import (
	"fmt"

	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	configv1 "k8s.io/kube-scheduler/config/v1"
	schedconfig "k8s.io/kubernetes/pkg/scheduler/apis/config"
	kubeschedulerscheme "k8s.io/kubernetes/pkg/scheduler/apis/config/scheme"
)

// Register makes obj (a pointer to a struct named <PluginName>Args that
// embeds metav1.TypeMeta) known to kube-scheduler, with setDefaults run when
// a configuration is loaded. Call it from an init function.
func Register(obj runtime.Object, setDefaults func(runtime.Object)) {
	add := func(s *runtime.Scheme) error {
		s.AddKnownTypes(schedconfig.SchemeGroupVersion, obj)
		s.AddKnownTypes(configv1.SchemeGroupVersion, obj)
		s.AddTypeDefaultingFunc(obj, func(o any) { setDefaults(o.(runtime.Object)) })
		return nil
	}
	// kube-scheduler defaults and converts plugin args with a second scheme
	// that it builds lazily from the v1 builder; registering there covers it
	// and every scheme built from the builder later.
	configv1.SchemeBuilder.Register(add)
	// The configuration scheme itself was built when its package initialized
	// (before ours, since we import it).
	utilruntime.Must(add(kubeschedulerscheme.Scheme))
}

// Decode returns a defaulted copy of a plugin's args: of obj when the
// profile gave typed args (the scheme has defaulted them already; defaulting
// again is harmless and covers args built in code), or all defaults when it
// gave none (nil).
func Decode[T any, PT interface {
	*T
	runtime.Object
}](plugin string, obj runtime.Object, setDefaults func(PT)) (PT, error) {
	var args PT
	switch a := obj.(type) {
	case nil:
		args = PT(new(T))
	case PT:
		args = a.DeepCopyObject().(PT)
	default:
		return nil, fmt.Errorf("want args of type %sArgs, got %T", plugin, obj)
	}
	setDefaults(args)
	return args, nil
}
