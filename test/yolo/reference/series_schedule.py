"""The series' learning-rate schedule and iteration counter, transcribed from
../shared/series/part6-training.txt (section 3.4, train.py), as the test
reference for `--schedule series`.

lr_schedular is the text's function; the only change is that `optimizer` may
be None (no optimizer here: the text sets every param_group's lr). The
counter is the text's training loop reduced to its arithmetic:
    total_iters = 0
    for ee in range(epoch0, epoch0+EPOCHS):
        for ii, (imgii, labelii) in enumerate(dataloader):
            total_iters += ii
            ... opt.step() ...
            lr = lr_schedular(opt, total_iters, WARMUP_ITER, LR0, PEAK_LR)
so step k of the run is taken with the lr set after step k - 1 (the first
with the optimizer's own LR0), and an epoch of K batches adds K(K-1)/2.

Usage: /usr/bin/python3 series_schedule.py SPEC.json (or '-' for stdin) with
  {"t": [iterations...], "warmup": W, "lr0": a, "peak": b, "power": p}
  -> {"lr": [lr_schedular(t) for t]}
or
  {"batches_per_epoch": K, "epochs": E, "warmup": W, "lr0": a, "peak": b, "power": p}
  -> {"total_iters": [after each step], "lr_after": [lr set after each step],
      "lr_used": [lr each step ran with]}
/usr/bin/python3 series_schedule.py --self-test checks it against the closed form
lr(t) = lr0 + (peak - lr0) * W^p * min(1/t^p, t/W^(p+1)), t = max(t, 1), floored at 1e-7.
"""
import json
import sys

# The series' constants (train.py).
LR0 = 1.0*1e-4
PEAK_LR = 8.*1e-4
WARMUP_ITER = 4e3


def lr_schedular(optimizer, iteration, warmup_iter, initial_lr, peak_lr, power=1):
    if iteration == 0:
        iteration += 1
    lr = min(1 / iteration**power, iteration / warmup_iter**(power + 1)) *\
        warmup_iter**power * (peak_lr - initial_lr) + initial_lr
    lr = max(lr, 1e-7)
    if optimizer is not None:  # [fix] no optimizer in the reference
        for param_group in optimizer.param_groups:
            param_group['lr'] = lr
    return lr


def profile(batches_per_epoch, epochs, warmup=WARMUP_ITER, lr0=LR0, peak=PEAK_LR, power=1):
    total_iters = 0
    iters, after, used = [], [], []
    lr = lr0  # torch.optim.Adam(model.parameters(), lr=LR0, ...)
    for ee in range(epochs):
        for ii in range(batches_per_epoch):
            total_iters += ii
            used.append(lr)  # opt.step() runs with the lr set after the previous step
            lr = lr_schedular(None, total_iters, warmup, lr0, peak, power)
            iters.append(total_iters)
            after.append(lr)
    return {'total_iters': iters, 'lr_after': after, 'lr_used': used}


def run(spec):
    args = dict(warmup=spec.get('warmup', WARMUP_ITER), lr0=spec.get('lr0', LR0), peak=spec.get('peak', PEAK_LR),
                power=spec.get('power', 1))
    if 't' in spec:
        return {'lr': [lr_schedular(None, t, args['warmup'], args['lr0'], args['peak'], args['power']) for t in spec['t']]}
    return profile(spec['batches_per_epoch'], spec['epochs'], **args)


def self_test():
    ok = True
    W, a, b = WARMUP_ITER, LR0, PEAK_LR
    for p in (1, 2):
        for t in (0, 1, 2, W - 1, W, W + 1, 10 * W, 1e9):
            tt = max(t, 1)
            want = max(a + (b - a) * W**p * min(1 / tt**p, tt / W**(p + 1)), 1e-7)
            got = lr_schedular(None, t, W, a, b, p)
            good = abs(got - want) <= 1e-15
            ok &= good
            print('%-4s p=%d t=%-10g lr=%.10g' % ('ok' if good else 'FAIL', p, t, got))
    # Peak exactly at t = W; t = 0 is t = 1: lr0 + (peak - lr0)/W.
    ok &= lr_schedular(None, W, W, a, b) == b
    ok &= abs(lr_schedular(None, 0, W, a, b) - (a + (b - a) / W)) < 1e-18
    # 100 images, batch 4: 25 batches, each epoch adds 0 + 1 + ... + 24 = 300.
    pr = profile(25, 150)
    ok &= pr['total_iters'][24] == 300 and pr['total_iters'][-1] == 45000
    first_peak = next(k for k, t in enumerate(pr['total_iters']) if t >= W)
    ok &= (first_peak // 25, first_peak % 25) == (13, 14)  # epoch 13 (0-based), batch 14: t = 3900 + 105
    ok &= abs(pr['lr_after'][-1] - (a + (b - a) * W / 45000)) < 1e-18
    print('peak reached at epoch %d batch %d (t = %d); last lr %.6g' % (
        first_peak // 25, first_peak % 25, pr['total_iters'][first_peak], pr['lr_after'][-1]))
    print('all ok' if ok else 'FAILED')
    return ok


if __name__ == '__main__':
    if len(sys.argv) > 1 and sys.argv[1] == '--self-test':
        sys.exit(0 if self_test() else 1)
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    print(json.dumps(run(json.load(sys.stdin if sys.argv[1] == '-' else open(sys.argv[1])))))
