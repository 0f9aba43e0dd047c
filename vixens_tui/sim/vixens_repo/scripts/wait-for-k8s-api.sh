#!/bin/bash
# NOT from the user's repository: terraform/modules/environment/talos.tf runs
# scripts/wait-for-k8s-api.sh KUBECONFIG, but the repository at the runbook's commit
# (2025-11-15) does not contain it. This stand-in does what its name and call say: wait until
# the API server answers /readyz with the kubeconfig Terraform just wrote, 5 minutes at most
# (modules/shared/locals.tf: timeouts.k8s_api_wait = 300).
kubeconfig="${1:?usage: wait-for-k8s-api.sh KUBECONFIG}"
end_time=$(( $(date +%s) + 300 ))
until kubectl --kubeconfig "$kubeconfig" get --raw /readyz >/dev/null 2>&1; do
  if [ "$(date +%s)" -gt "$end_time" ]; then
    echo "Timeout: the Kubernetes API did not answer within 5 minutes."
    kubectl --kubeconfig "$kubeconfig" get --raw /readyz
    exit 1
  fi
  echo "Waiting for the Kubernetes API..."
  sleep 2
done
echo "Kubernetes API is ready."
