# The demo's root module, shaped like terraform/environments/dev of the vixens repository: one
# module "environment" holding the Talos cluster, Cilium and Argo CD, so the addresses read like
# the real ones (module.environment.module.cilium.terraform_data.cilium stands for
# module.environment.module.cilium.helm_release.cilium).
#
# Only built-in terraform_data resources: no provider to download. Their local-exec provisioners
# drive the simulated cluster through `PYTHON -m HOOK_MODULE ACTION [ARG]` (vixens_tui/sim/hook.py),
# which reads VIXENS_SIM_CONTROL and VIXENS_SIM_TOKEN from Terraform's environment.
#
# With the dev profile's 3 nodes this is 20 resources (14 + 2 per node), like the procedure's
# "20 ressources détruites".

terraform {
  required_version = ">= 1.5.0"
}

locals {
  # Written into the Terraform directory, like kubeconfig-dev and talosconfig-dev of the procedure.
  kubeconfig_path  = var.kubeconfig_path != "" ? var.kubeconfig_path : "${abspath(path.root)}/kubeconfig-${var.env}"
  talosconfig_path = var.talosconfig_path != "" ? var.talosconfig_path : "${abspath(path.root)}/talosconfig-${var.env}"
}

module "environment" {
  source = "./modules/environment"

  env                  = var.env
  nodes                = var.nodes
  cluster_endpoint     = var.cluster_endpoint
  talos_version        = var.talos_version
  kubernetes_version   = var.kubernetes_version
  cilium_version       = var.cilium_version
  argocd_chart_version = var.argocd_chart_version
  git_revision         = var.git_revision
  kubeconfig_path      = local.kubeconfig_path
  talosconfig_path     = local.talosconfig_path
  python               = var.python
  hook_module          = var.hook_module
}

output "kubeconfig_path" {
  value = module.environment.kubeconfig_path
}

output "talosconfig_path" {
  value = module.environment.talosconfig_path
}

# As the vixens configuration's environments/dev/outputs.tf: the wrong-cluster guard reads it.
output "cluster_endpoint" {
  value = var.cluster_endpoint
}
