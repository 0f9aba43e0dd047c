# Argo CD (the real module: its namespace, helm_release.argocd and the root application that
# bootstraps GitOps from the environment's branch).

resource "terraform_data" "argocd_namespace" {
  input = {
    name = "argocd"
  }
}

resource "terraform_data" "argocd" {
  input = {
    chart       = "argo-cd"
    repository  = "https://argoproj.github.io/argo-helm"
    version     = var.chart_version
    namespace   = terraform_data.argocd_namespace.output.name
    python      = var.python
    hook_module = var.hook_module
  }

  provisioner "local-exec" {
    interpreter = [var.python, "-m", var.hook_module]
    command     = "argocd-install"
  }

  provisioner "local-exec" {
    when        = destroy
    interpreter = [self.input.python, "-m", self.input.hook_module]
    command     = "argocd-uninstall"
  }
}

resource "terraform_data" "argocd_root_app" {
  input = {
    name     = "vixens-app-of-apps"
    path     = "argocd/overlays/${var.env}"
    revision = var.git_revision
    release  = terraform_data.argocd.id
  }
}
