variable "env" {
  description = "Environment name: the files are kubeconfig-ENV and talosconfig-ENV."
  type        = string
  default     = "dev"
}

variable "nodes" {
  description = "Talos control planes: name -> IP."
  type        = map(string)
  default = {
    obsy  = "192.168.111.162"
    onyx  = "192.168.111.164"
    opale = "192.168.111.163"
  }

  validation {
    condition     = length(var.nodes) > 0
    error_message = "At least one node is needed."
  }
}

variable "cluster_endpoint" {
  type    = string
  default = "https://192.168.111.160:6443"
}

variable "talos_version" {
  type    = string
  default = "v1.11.5"
}

variable "kubernetes_version" {
  type    = string
  default = "v1.34.0"
}

variable "cilium_version" {
  type    = string
  default = "1.18.3"
}

variable "argocd_chart_version" {
  type    = string
  default = "7.7.7"
}

variable "git_revision" {
  description = "The branch Argo CD's root application tracks."
  type        = string
  default     = "dev"
}

variable "kubeconfig_path" {
  description = "Where to write the kubeconfig (default: kubeconfig-ENV in this directory)."
  type        = string
  default     = ""
}

variable "talosconfig_path" {
  description = "Where to write the talosconfig (default: talosconfig-ENV in this directory)."
  type        = string
  default     = ""
}

variable "python" {
  description = "The Python interpreter that runs the hook (the demo passes its own)."
  type        = string
  default     = "python3"
}

variable "hook_module" {
  description = "The module run as `python -m HOOK_MODULE ACTION [ARG]` by the provisioners."
  type        = string
  default     = "vixens_tui.sim.hook"
}
