"""A simulated pod's status at each step of its life, as a kubelet reports it: unschedulable,
waiting (image pull, container creation, an init container), running and ready or not."""

from __future__ import annotations

from vixens_tui.sim.objects import Obj, digest


def _pod_conditions(
    scheduled: str, *, initialized: bool, ready: bool, names: list[str], since: str
) -> list[Obj]:
    unready = f"containers with unready status: [{' '.join(names)}]"

    def condition(type_: str, ok: bool, when: str, reason: str = "", message: str = "") -> Obj:
        item: Obj = {
            "type": type_,
            "status": "True" if ok else "False",
            "lastProbeTime": None,
            "lastTransitionTime": when,
        }
        if not ok and reason:
            item["reason"] = reason
            item["message"] = message
        return item

    return [
        condition("PodReadyToStartContainers", initialized, since if initialized else scheduled),
        condition("Initialized", True, scheduled),
        condition("Ready", ready, since, "ContainersNotReady", unready),
        condition("ContainersReady", ready, since, "ContainersNotReady", unready),
        condition("PodScheduled", True, scheduled),
    ]


def status_unschedulable(created: str, message: str) -> Obj:
    return {
        "phase": "Pending",
        "conditions": [
            {
                "type": "PodScheduled",
                "status": "False",
                "lastProbeTime": None,
                "lastTransitionTime": created,
                "reason": "Unschedulable",
                "message": message,
            }
        ],
        "qosClass": "BestEffort",
    }


def _image_id(image: str) -> str:
    repo = image.rsplit(":", 1)[0]
    return f"{repo}@sha256:{digest(image)}"


def status_waiting(
    pod_obj: Obj, created: str, scheduled: str, host_ip: str, reason: str = "ContainerCreating"
) -> Obj:
    containers = pod_obj["spec"]["containers"]
    names = [c["name"] for c in containers]
    return {
        "phase": "Pending",
        "conditions": _pod_conditions(
            scheduled, initialized=False, ready=False, names=names, since=scheduled
        ),
        "hostIP": host_ip,
        "hostIPs": [{"ip": host_ip}],
        "startTime": scheduled,
        "containerStatuses": [
            {
                "name": c["name"],
                "image": c["image"],
                "imageID": "",
                "ready": False,
                "restartCount": 0,
                "started": False,
                "state": {"waiting": {"reason": reason}},
                "lastState": {},
            }
            for c in containers
        ],
        "qosClass": "BestEffort",
    }


def status_running(
    pod_obj: Obj,
    *,
    created: str,
    scheduled: str,
    started: str,
    host_ip: str,
    pod_ip: str,
    ready: bool,
    since: str,
) -> Obj:
    containers = pod_obj["spec"]["containers"]
    names = [c["name"] for c in containers]
    uid = pod_obj["metadata"].get("uid", "")
    return {
        "phase": "Running",
        "conditions": _pod_conditions(
            scheduled, initialized=True, ready=ready, names=names, since=since
        ),
        "hostIP": host_ip,
        "hostIPs": [{"ip": host_ip}],
        "podIP": pod_ip,
        "podIPs": [{"ip": pod_ip}],
        "startTime": scheduled,
        "containerStatuses": [
            {
                "name": c["name"],
                "image": c["image"],
                "imageID": _image_id(c["image"]),
                "containerID": f"containerd://{digest(uid + c['name'])}",
                "ready": ready,
                "restartCount": 0,
                "started": True,
                "state": {"running": {"startedAt": started}},
                "lastState": {},
            }
            for c in containers
        ],
        "qosClass": "BestEffort",
    }


# -- services, claims, events ----------------------------------------------------------------
