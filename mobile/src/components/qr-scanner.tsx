import { useEffect, useRef, useState } from "react";

/** The part of the Barcode Detection API the scanner uses (not yet in TypeScript's DOM types). */
interface BarcodeDetectorLike {
  detect(source: HTMLVideoElement): Promise<{ rawValue: string }[]>;
}
type BarcodeDetectorConstructor = new (options: { formats: string[] }) => BarcodeDetectorLike;

function detectorConstructor(): BarcodeDetectorConstructor | undefined {
  const ctor = (window as unknown as { BarcodeDetector?: BarcodeDetectorConstructor })
    .BarcodeDetector;
  return typeof ctor === "function" ? ctor : undefined;
}

/** Whether this browser can scan QR codes with a camera. */
export function canScanQr(): boolean {
  return detectorConstructor() !== undefined && Boolean(navigator.mediaDevices?.getUserMedia);
}

/**
 * A live camera view that reports the first QR code it reads. The camera is
 * switched off as soon as a code is read or the scanner closes.
 */
export function QrScanner({
  onRead,
  onClose,
}: {
  /** Called with each QR text read; return true to stop scanning. */
  onRead(text: string): boolean;
  onClose(): void;
}) {
  const video = useRef<HTMLVideoElement>(null);
  const [problem, setProblem] = useState<string>();
  const reader = useRef(onRead);
  reader.current = onRead;

  useEffect(() => {
    const Detector = detectorConstructor();
    if (!Detector) {
      setProblem("This browser can't read QR codes. Type the ID and code instead.");
      return;
    }
    const detector = new Detector({ formats: ["qr_code"] });
    let stream: MediaStream | undefined;
    let timer: number | undefined;
    let stopped = false;
    const stop = () => {
      stopped = true;
      if (timer !== undefined) window.clearTimeout(timer);
      for (const track of stream?.getTracks() ?? []) track.stop();
    };
    const scan = async () => {
      if (stopped || !video.current) return;
      try {
        const codes = await detector.detect(video.current);
        for (const code of codes) {
          if (reader.current(code.rawValue)) {
            stop();
            return;
          }
        }
      } catch {
        // A frame that isn't ready yet; the next one will do.
      }
      timer = window.setTimeout(scan, 250);
    };
    navigator.mediaDevices
      .getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(async (s) => {
        stream = s;
        if (stopped || !video.current) return stop();
        video.current.srcObject = s;
        await video.current.play();
        void scan();
      })
      .catch(() => setProblem("The camera isn't available. Type the ID and code instead."));
    return stop;
  }, []);

  return (
    <div className="qr-scanner">
      {problem ? (
        <p role="alert" className="inline-error">
          {problem}
        </p>
      ) : (
        <>
          <video ref={video} muted playsInline aria-label="Camera view for the QR code" />
          <p className="muted small" role="status">
            Point the camera at the QR code on your AIIDA instance's status page.
          </p>
        </>
      )}
      <button type="button" className="button secondary" onClick={onClose}>
        Close camera
      </button>
    </div>
  );
}
