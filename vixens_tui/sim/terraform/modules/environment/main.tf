# One environment: Talos control planes, then the local kubeconfig/talosconfig files, then
# Cilium, then Argo CD. The module-level depends_on chain gives that order on apply and the
# reverse on destroy (Argo CD, Cilium, the files, the cluster, the nodes).

module "talos" {
  source = "../talos"

  cluster_name       = var.env
  cluster_endpoint   = var.cluster_endpoint
  nodes              = var.nodes
  talos_version      = var.talos_version
  kubernetes_version = var.kubernetes_version
  python             = var.python
  hook_module        = var.hook_module
}

resource "terraform_data" "kubeconfig" {
  # Destroy-time provisioners may only read self: everything they need is in the input.
  input = {
    path        = var.kubeconfig_path
    source      = module.talos.kubeconfig
    python      = var.python
    hook_module = var.hook_module
  }
  depends_on = [module.talos]

  provisioner "local-exec" {
    interpreter = [var.python, "-m", var.hook_module, "kubeconfig"]
    command     = var.kubeconfig_path
  }

  provisioner "local-exec" {
    when        = destroy
    interpreter = [self.input.python, "-m", self.input.hook_module, "remove"]
    command     = self.input.path
  }
}

resource "terraform_data" "talosconfig" {
  input = {
    path        = var.talosconfig_path
    source      = module.talos.talosconfig
    python      = var.python
    hook_module = var.hook_module
  }
  depends_on = [module.talos]

  provisioner "local-exec" {
    interpreter = [var.python, "-m", var.hook_module, "talosconfig"]
    command     = var.talosconfig_path
  }

  provisioner "local-exec" {
    when        = destroy
    interpreter = [self.input.python, "-m", self.input.hook_module, "remove"]
    command     = self.input.path
  }
}

module "cilium" {
  source = "../cilium"

  cilium_version = var.cilium_version
  python         = var.python
  hook_module    = var.hook_module

  depends_on = [terraform_data.kubeconfig, terraform_data.talosconfig]
}

module "argocd" {
  source = "../argocd"

  chart_version = var.argocd_chart_version
  git_revision  = var.git_revision
  env           = var.env
  python        = var.python
  hook_module   = var.hook_module

  depends_on = [module.cilium]
}
