variable "env" {
  type = string
}

variable "nodes" {
  type = map(string)
}

variable "cluster_endpoint" {
  type = string
}

variable "talos_version" {
  type = string
}

variable "kubernetes_version" {
  type = string
}

variable "cilium_version" {
  type = string
}

variable "argocd_chart_version" {
  type = string
}

variable "git_revision" {
  type = string
}

variable "kubeconfig_path" {
  type = string
}

variable "talosconfig_path" {
  type = string
}

variable "python" {
  type = string
}

variable "hook_module" {
  type = string
}
