"""An independent NumPy implementation of infofrag's information core, one pair at a time.

Written from the formulas (Kolchinsky & Tracey 2017; Murphy, Dillavou & Bassett 2025), not
from the C++ code: Bhattacharyya coefficients between 1-D Gaussian posteriors, then
I(X;U) = -mean_i log2 mean_j BC_ij, and NMI and VI from I_U, I_V, I_UU', I_VV', I_UV.
"""
import numpy as np


def bhattacharyya_coefficients(mu, logvar):
    """BC matrix [N, N] of one channel (mu, logvar: [N]), or of several channels [N, d]
    (the product over dimensions, i.e. exp of the summed distances)."""
    mu = np.asarray(mu, dtype=np.float64).reshape(len(mu), -1)
    var = np.exp(np.asarray(logvar, dtype=np.float64).reshape(len(mu), -1))
    distance = np.zeros((len(mu), len(mu)))
    for k in range(mu.shape[1]):
        s = var[:, None, k] + var[None, :, k]
        distance += 0.25 * (mu[:, None, k] - mu[None, :, k]) ** 2 / s
        distance += 0.5 * np.log(s / (2.0 * np.sqrt(var[:, None, k] * var[None, :, k])))
    return np.exp(-distance)


def label_coefficients(labels):
    """A ground-truth factor as a channel: BC = 1 for equal classes, 0 otherwise."""
    labels = np.asarray(labels)
    return (labels[:, None] == labels[None, :]).astype(np.float64)


def info_bits(bc):
    return -np.mean(np.log2(np.mean(bc, axis=1)))


def compare(bcs_a, bcs_b, nmi_floor_bits=1e-3):
    """NMI and VI between every channel of list a and every channel of list b."""
    nmi = np.zeros((len(bcs_a), len(bcs_b)))
    vi = np.zeros_like(nmi)
    for u, bu in enumerate(bcs_a):
        i_u, i_uu = info_bits(bu), info_bits(bu * bu)
        for v, bv in enumerate(bcs_b):
            i_v, i_vv = info_bits(bv), info_bits(bv * bv)
            i_uv = info_bits(bu * bv)
            h_u, h_v = 2 * i_u - i_uu, 2 * i_v - i_vv
            if h_u >= nmi_floor_bits and h_v >= nmi_floor_bits:
                nmi[u, v] = (i_u + i_v - i_uv) / np.sqrt(h_u * h_v)
            vi[u, v] = 2 * i_uv - i_uu - i_vv
    return nmi, vi


def analyze(members, labels=None):
    """members: list of (mu [N, d], logvar [N, d]) in file order; labels: [N, F] or None.
    Returns a dict with the analysis file's main datasets."""
    channels = [bhattacharyya_coefficients(mu[:, k], lv[:, k])
                for mu, lv in members for k in range(mu.shape[1])]
    spaces = [bhattacharyya_coefficients(mu, lv) for mu, lv in members]
    out = {"channels/info_bits": np.array([info_bits(b) for b in channels]),
           "spaces/info_bits": np.array([info_bits(b) for b in spaces])}
    out["similarity/nmi"], out["similarity/vi_bits"] = compare(channels, channels)
    out["spaces/nmi"], out["spaces/vi_bits"] = compare(spaces, spaces)
    out["spaces/channel_nmi"], out["spaces/channel_vi_bits"] = compare(channels, spaces)
    if labels is not None:
        factors = [label_coefficients(labels[:, f]) for f in range(labels.shape[1])]
        out["labels/info_bits"] = np.array([info_bits(b) for b in factors])
        out["labels/nmi"], out["labels/vi_bits"] = compare(channels, factors)
        out["spaces/labels_nmi"], out["spaces/labels_vi_bits"] = compare(spaces, factors)
    return out
