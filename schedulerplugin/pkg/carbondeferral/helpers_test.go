package carbondeferral

import "k8s.io/klog/v2"

var klogDiscard = klog.Background()
