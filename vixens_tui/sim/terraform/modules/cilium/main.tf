# Cilium (the real module: helm_release.cilium plus its L2 announcement policy and LB IP pool).
# Its uninstall is known issue 1: with the API server already unreachable, `cilium-uninstall`
# fails ("Error uninstalling release: dial tcp ...:6443: i/o timeout") and the destroy stops
# here until the release is removed from the state.

resource "terraform_data" "cilium" {
  input = {
    chart       = "cilium"
    repository  = "https://helm.cilium.io"
    version     = var.cilium_version
    namespace   = "kube-system"
    features    = ["kubeProxyReplacement", "l2announcements", "hubble"]
    python      = var.python
    hook_module = var.hook_module
  }

  provisioner "local-exec" {
    interpreter = [var.python, "-m", var.hook_module]
    command     = "cilium-install"
  }

  provisioner "local-exec" {
    when        = destroy
    interpreter = [self.input.python, "-m", self.input.hook_module]
    command     = "cilium-uninstall"
  }
}

resource "terraform_data" "cilium_l2_announcement_policy" {
  input = {
    name       = "default-l2-announcement-policy"
    interfaces = ["^eth[0-9]+"]
    release    = terraform_data.cilium.id
  }
}

resource "terraform_data" "cilium_lb_ip_pool" {
  input = {
    name    = "default-pool"
    blocks  = ["192.168.208.70-192.168.208.89"]
    release = terraform_data.cilium.id
  }
}
